package dev.posthorn.delivery.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.posthorn.signature.VerificationResult;
import dev.posthorn.signature.WebhookVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real webhook receiver: the JDK's HTTP server on a loopback address with virtual threads. It
 * verifies every request with webhook-signature's verifier (both schemes), records it, and answers
 * as its {@link Behaviour} says.
 */
final class Receiver implements AutoCloseable {

    /** How to answer the {@code n}-th (1-based) request for an event id. */
    @FunctionalInterface
    interface Behaviour {
        Answer answer(String eventId, int n);
    }

    record Answer(int status, Map<String, String> headers, boolean hang) {
        static Answer of(int status) {
            return new Answer(status, Map.of(), false);
        }

        static Answer hangForever() {
            return new Answer(0, Map.of(), true);
        }
    }

    /** One request as received; header names lower-cased. */
    record Request(Map<String, String> headers, byte[] body, Instant at, VerificationResult verification) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String eventId() {
            return header("X-Event-Id");
        }

        int attempt() {
            return Integer.parseInt(header("X-Attempt"));
        }
    }

    static final Behaviour OK = (id, n) -> Answer.of(200);

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final WebhookVerifier verifier;
    private volatile Behaviour behaviour;
    private final List<Request> requests = new ArrayList<>();
    private final Map<String, AtomicInteger> perEvent = new ConcurrentHashMap<>();
    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicInteger hanging = new AtomicInteger();

    private Receiver(String host, Behaviour behaviour, List<String> secrets) throws IOException {
        this.behaviour = behaviour;
        this.verifier = WebhookVerifier.builder().secrets(secrets).require(WebhookVerifier.Requirement.BOTH).build();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), 0), 512);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    static Receiver start(Behaviour behaviour, String... secrets) throws IOException {
        return new Receiver("127.0.0.1", behaviour, List.of(secrets));
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
            Request request = new Request(headers, body, Instant.now(),
                    verifier.verify(exchange.getRequestHeaders(), body));
            synchronized (requests) {
                requests.add(request);
            }
            String eventId = request.eventId() == null ? "" : request.eventId();
            int n = perEvent.computeIfAbsent(eventId, k -> new AtomicInteger()).incrementAndGet();
            Answer answer = behaviour.answer(eventId, n);
            if (answer.hang()) {
                hanging.incrementAndGet();
                try {
                    released.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            answer.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            byte[] reply = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer.status(), reply.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(reply);
            }
        }
    }

    void behave(Behaviour next) {
        behaviour = next;
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hooks");
    }

    int port() {
        return server.getAddress().getPort();
    }

    List<Request> requests() {
        synchronized (requests) {
            return new ArrayList<>(requests);
        }
    }

    int count() {
        synchronized (requests) {
            return requests.size();
        }
    }

    /** Requests that hang right now (never answered). */
    int hanging() {
        return hanging.get();
    }

    /** Distinct event ids answered 2xx are not known here; distinct ids seen at all. */
    long distinctEvents() {
        return perEvent.size();
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
