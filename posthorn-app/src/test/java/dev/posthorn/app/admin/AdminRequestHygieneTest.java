package dev.posthorn.app.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.app.metrics.DeliveryMetrics;
import dev.posthorn.app.metrics.Observability;
import dev.posthorn.delivery.FailureClass;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A web page in the operator's browser must not be able to drive the admin API: bodies are JSON only,
 * and without a token only requests to and from this machine are answered. /metrics names no
 * subscriber unless asked. Requests are written byte for byte on a socket, as a browser or a DNS
 * rebinding attacker would send them (java.net.http does not let a caller set Host).
 */
class AdminRequestHygieneTest {

    private static final String TOKEN = "a-long-enough-admin-token-1234";

    private AdminServer server;
    private Observability observability;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (observability != null) {
            observability.close();
        }
    }

    /** No operations behind it: a request that gets past the guards can only reach routing (404/405). */
    private void start(Optional<String> token) throws Exception {
        server = AdminServer.start("127.0.0.1", 0, null, token, httpServer -> {});
    }

    private record Answer(int status, String body) {}

    private Answer send(String method, String path, Map<String, String> headers, String body) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
            byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
            headers.forEach((k, v) -> request.append(k).append(": ").append(v).append("\r\n"));
            if (body != null) {
                request.append("Content-Length: ").append(content.length).append("\r\n");
            }
            request.append("Connection: close\r\n\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(content);
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(response.substring(9, 12));
            int bodyStart = response.indexOf("\r\n\r\n");
            return new Answer(status, bodyStart < 0 ? "" : response.substring(bodyStart + 4));
        }
    }

    private static Map<String, String> headers(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }

    @Test
    void withoutATokenOnlyLocalHostsAndOriginsGetThrough() throws Exception {
        start(Optional.empty());
        int port = server.port();
        for (String host : new String[] {"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST", "[::1]:" + port, "127.0.0.1"}) {
            assertThat(send("GET", "/_webhooks/no-such-thing", headers("Host", host), null).status())
                    .as("Host %s is local", host).isEqualTo(404);
        }
        for (String origin : new String[] {"http://127.0.0.1:3000", "http://localhost:" + port, "https://[::1]"}) {
            assertThat(send("POST", "/_webhooks/no-such-thing", headers("Host", "127.0.0.1:" + port, "Origin", origin), null)
                    .status()).as("Origin %s is local", origin).isEqualTo(404);
        }

        for (String host : new String[] {"attacker.example:" + port, "127.0.0.1.attacker.example", "localhost.attacker.example:80",
                "10.0.0.5:" + port, "[::2]:" + port, "127.0.0.1:80@attacker.example", ""}) {
            Answer answer = send("GET", "/_webhooks/subscriptions", headers("Host", host), null);
            assertThat(answer.status()).as("Host '%s' (DNS rebinding)", host).isEqualTo(403);
            assertThat(answer.body()).contains("answers only requests to and from this machine")
                    .contains("POSTHORN_ADMIN_TOKEN");
        }
        for (String origin : new String[] {"https://attacker.example", "http://localhost.attacker.example", "null",
                "http://127.0.0.1@attacker.example", "file://"}) {
            Answer answer = send("POST", "/_webhooks/test-fire",
                    headers("Host", "127.0.0.1:" + port, "Origin", origin, "Content-Type", "application/json"), "{}");
            assertThat(answer.status()).as("Origin '%s' (a web page)", origin).isEqualTo(403);
        }
        assertThat(send("GET", "/_webhooks/subscriptions", headers(), null).status()).as("no Host at all")
                .isIn(400, 403);
    }

    @Test
    void withATokenTheHostDoesNotMatterButTheTokenDoes() throws Exception {
        start(Optional.of(TOKEN));
        assertThat(send("GET", "/_webhooks/no-such-thing",
                headers("Host", "posthorn-admin.internal:8080", "Authorization", "Bearer " + TOKEN), null).status())
                .isEqualTo(404);
        assertThat(send("GET", "/_webhooks/no-such-thing", headers("Host", "127.0.0.1"), null).status()).isEqualTo(401);
    }

    @Test
    void requestBodiesMustBeJson() throws Exception {
        for (Optional<String> token : java.util.List.of(Optional.<String>empty(), Optional.of(TOKEN))) {
            start(token);
            Map<String, String> base = headers("Host", "127.0.0.1:" + server.port());
            token.ifPresent(t -> base.put("Authorization", "Bearer " + t));
            for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"}) {
                Map<String, String> h = new LinkedHashMap<>(base);
                h.put("Content-Type", type);
                Answer answer = send("POST", "/_webhooks/subscriptions", h, "{\"topic\":\"a.b\",\"url\":\"http://127.0.0.1:1/\"}");
                assertThat(answer.status()).as("%s body, token %s", type, token.isPresent()).isEqualTo(415);
                assertThat(answer.body()).contains("application/json");
            }
            Answer untyped = send("POST", "/_webhooks/subscriptions", base, "{}");
            assertThat(untyped.status()).as("a body without a Content-Type").isEqualTo(415);

            Map<String, String> json = new LinkedHashMap<>(base);
            json.put("Content-Type", "application/json; charset=utf-8");
            assertThat(send("POST", "/_webhooks/no-such-thing", json, "{}").status()).as("JSON gets through").isEqualTo(404);
            assertThat(send("POST", "/_webhooks/no-such-thing", base, null).status()).as("no body, no type needed").isEqualTo(404);
            assertThat(send("POST", "/_webhooks/no-such-thing", base, "").status()).as("an empty body").isEqualTo(404);
            server.close();
            server = null;
        }
    }

    @Test
    void metricsNameNoSubscriberUnlessAsked() throws Exception {
        for (boolean labels : new boolean[] {false, true}) {
            observability = new Observability();
            DeliveryMetrics metrics = new DeliveryMetrics(observability.registry(), labels);
            metrics.responded("hooks.customer-a.example:443", 200, Duration.ofMillis(12));
            metrics.delivered("sub-1", "hooks.customer-a.example:443", 1);
            metrics.failed("sub-2", "intranet.customer-b.example:8443", FailureClass.CLIENT_ERROR);
            server = AdminServer.start("127.0.0.1", 0, null, Optional.of(TOKEN), observability);

            Answer scrape = send("GET", "/metrics", headers("Host", "127.0.0.1"), null);

            assertThat(scrape.status()).isEqualTo(200);
            assertThat(scrape.body()).contains("posthorn_delivery_delivered_total").contains("posthorn_delivery_failures_total")
                    .contains("posthorn_delivery_endpoint_latency");
            if (labels) {
                assertThat(scrape.body()).contains("endpoint=\"hooks.customer-a.example:443\"")
                        .contains("intranet.customer-b.example:8443");
            } else {
                assertThat(scrape.body()).doesNotContain("customer-a").doesNotContain("customer-b").doesNotContain("endpoint=");
            }
            server.close();
            server = null;
            observability.close();
            observability = null;
        }
    }
}
