package dev.posthorn.app.faults;

import com.sun.net.httpserver.HttpServer;
import dev.posthorn.signature.VerifyingHttpHandler;
import dev.posthorn.signature.WebhookVerifier;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The subscriber of a fault test, independent of Posthorn's delivery code: a plain JDK HTTP server that
 * verifies every request's signatures with the subscriber-side verifier (an unverified request gets 401
 * and is not counted) and counts each verified delivery per event id ({@code webhook-id}).
 */
final class SignedReceiver implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(8);
    private final Map<String, Integer> deliveries = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private volatile WebhookVerifier verifier;

    SignedReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        server.setExecutor(threads);
        server.createContext("/hooks", exchange -> {
            WebhookVerifier v = verifier;
            if (v == null) {
                exchange.sendResponseHeaders(503, -1);
                exchange.close();
                return;
            }
            new VerifyingHttpHandler(v, verified -> {
                String eventId = verified.getRequestHeaders().getFirst("webhook-id");
                deliveries.merge(eventId, 1, Integer::sum);
                total.incrementAndGet();
                verified.sendResponseHeaders(204, -1);
                verified.close();
            }).handle(exchange);
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks";
    }

    /** Starts accepting deliveries signed with {@code secret} (until then every request gets 503). */
    void verifyWith(String secret) {
        verifier = WebhookVerifier.builder().secret(secret).build();
    }

    /** Verified deliveries per event id. */
    Map<String, Integer> deliveries() {
        return deliveries;
    }

    int distinct() {
        return deliveries.size();
    }

    int total() {
        return total.get();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
