package dev.posthorn.app.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The subscriber every phase delivers to: a JDK {@link HttpServer} on 127.0.0.1 handling each
 * request on its own virtual thread. {@code POST /hooks/<endpoint>} is answered by that
 * {@link ReceiverEndpoint}; unknown endpoints get 404.
 */
final class WebhookReceiver implements AutoCloseable {

    private static final String PREFIX = "/hooks/";

    private final HttpServer server;
    private final ExecutorService handlers;
    private final Map<String, ReceiverEndpoint> endpoints = new ConcurrentHashMap<>();
    private final CountDownLatch closing = new CountDownLatch(1);

    private WebhookReceiver(HttpServer server, ExecutorService handlers) {
        this.server = server;
        this.handlers = handlers;
    }

    static WebhookReceiver start() throws IOException {
        // Responses are one small write each; do not let Nagle's algorithm hold them back.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
        WebhookReceiver receiver = new WebhookReceiver(server, handlers);
        server.setExecutor(handlers);
        server.createContext(PREFIX, receiver::handle);
        server.start();
        return receiver;
    }

    /** Adds an endpoint; its name must be unique for this receiver. */
    ReceiverEndpoint add(ReceiverEndpoint endpoint) {
        if (endpoints.putIfAbsent(endpoint.name(), endpoint) != null) {
            throw new IllegalArgumentException("endpoint " + endpoint.name() + " exists already");
        }
        return endpoint;
    }

    URI url(ReceiverEndpoint endpoint) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + PREFIX + endpoint.name());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            long receivedNanos = System.nanoTime();
            ReceiverEndpoint endpoint = endpoints.get(exchange.getRequestURI().getPath().substring(PREFIX.length()));
            int status;
            if (endpoint == null || !"POST".equals(exchange.getRequestMethod())) {
                status = endpoint == null ? 404 : 405;
            } else if (ReceiverEndpoint.isProbe(exchange.getRequestHeaders())) {
                status = endpoint.acceptProbe(exchange.getRequestHeaders(), body).status;
            } else if (endpoint.hangs()) {
                endpoint.countHungRequest();
                holdFor(endpoint);
                status = ReceiverEndpoint.Answer.HUNG.status;
            } else {
                status = endpoint.accept(exchange.getRequestHeaders(), body, receivedNanos).status;
            }
            exchange.sendResponseHeaders(status, -1);
        }
    }

    private void holdFor(ReceiverEndpoint endpoint) {
        try {
            closing.await(endpoint.hang().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        handlers.close();
    }
}
