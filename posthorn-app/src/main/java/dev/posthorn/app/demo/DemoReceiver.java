package dev.posthorn.app.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.posthorn.signature.VerificationResult;
import dev.posthorn.signature.WebhookVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The receiver {@code posthorn dev} starts: verifies both signature schemes of every webhook with
 * webhook-signature, using the subscription's currently valid secrets, and prints what arrived.
 */
public final class DemoReceiver implements AutoCloseable {

    /** Looks up the secrets valid now for a subscription id (current first). */
    @FunctionalInterface
    public interface SecretSource {
        List<String> validSecrets(UUID subscriptionId) throws Exception;
    }

    private static final int MAX_BODY_BYTES = 1 << 20;
    private static final int PRINTED_BODY_CHARS = 300;

    private final HttpServer server;
    private final ExecutorService executor;
    private final SecretSource secrets;
    private final Clock clock;
    private final PrintStream out;
    private final AtomicLong verified = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();

    private DemoReceiver(HttpServer server, ExecutorService executor, SecretSource secrets, Clock clock, PrintStream out) {
        this.server = server;
        this.executor = executor;
        this.secrets = secrets;
        this.clock = clock;
        this.out = out;
    }

    public static DemoReceiver start(String host, int port, SecretSource secrets, Clock clock, PrintStream out)
            throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        DemoReceiver receiver = new DemoReceiver(server, executor, secrets, clock, out);
        server.createContext("/", receiver::handle);
        server.start();
        return receiver;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    public long verifiedCount() {
        return verified.get();
    }

    public long rejectedCount() {
        return rejected.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                respond(exchange, 405, "{\"detail\":\"POST only\"}");
                return;
            }
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readNBytes(MAX_BODY_BYTES);
            }
            var headers = exchange.getRequestHeaders();
            String subscription = headers.getFirst("X-Webhook-Subscription");
            List<String> valid = List.of();
            try {
                if (subscription != null) {
                    valid = secrets.validSecrets(UUID.fromString(subscription));
                }
            } catch (IllegalArgumentException e) {
                valid = List.of();
            } catch (Exception e) {
                out.printf("✘ cannot look up secrets of subscription %s: %s%n", subscription, e.getMessage());
                respond(exchange, 503, "{\"detail\":\"secret lookup failed\"}");
                return;
            }
            if (valid.isEmpty()) {
                rejected.incrementAndGet();
                out.printf("✘ rejected: unknown subscription %s%n", subscription);
                respond(exchange, 401, "{\"detail\":\"invalid signature\"}");
                return;
            }
            VerificationResult result = WebhookVerifier.builder()
                    .secrets(valid)
                    .clock(clock)
                    .require(WebhookVerifier.Requirement.BOTH)
                    .build()
                    .verify(headers, body);
            String topic = headers.getFirst("X-Topic");
            String eventId = headers.getFirst("X-Event-Id");
            if (result instanceof VerificationResult.Rejected r) {
                rejected.incrementAndGet();
                out.printf("✘ rejected %s %s: %s (%s)%n", topic, eventId, r.reason(), r.detail());
                respond(exchange, 401, "{\"detail\":\"invalid signature\"}");
                return;
            }
            verified.incrementAndGet();
            String text = new String(body, StandardCharsets.UTF_8);
            if (text.length() > PRINTED_BODY_CHARS) {
                text = text.substring(0, PRINTED_BODY_CHARS) + "…";
            }
            out.printf("✔ verified webhook %s event=%s subscription=%s attempt=%s (both signatures ok)%n    %s%n",
                    topic, eventId, subscription, headers.getFirst("X-Attempt"), text);
            respond(exchange, 200, "{\"ok\":true}");
        }
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.close();
    }
}
