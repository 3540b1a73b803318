package dev.posthorn.signature;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.posthorn.signature.WebhookVerifier.Requirement;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real JDK HttpServer on a loopback port, called with java.net.http.HttpClient. */
class VerifyingHttpHandlerTest {

    private static final int MAX_BODY_BYTES = 2048;

    private final List<String> delivered = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private HttpClient client;
    private URI uri;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        WebhookVerifier verifier = WebhookVerifier.builder()
                .secret(SignedRequest.SECRET).clock(SignedRequest.CLOCK).require(Requirement.BOTH).build();
        server.createContext("/webhooks", new VerifyingHttpHandler(verifier, exchange -> {
            // The delegate reads the body the usual way and via the attribute; both must be intact.
            String fromStream = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String fromAttribute = new String(VerifyingHttpHandler.verifiedBody(exchange), StandardCharsets.UTF_8);
            delivered.add(fromStream.equals(fromAttribute) ? fromStream : "MISMATCH");
            byte[] reply = "ok".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, reply.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(reply);
            }
        }, MAX_BODY_BYTES));
        server.start();
        uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/webhooks");
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void verifiedRequestReachesTheDelegateWithItsBody() throws Exception {
        HttpResponse<String> response = post(SignedRequest.valid());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok");
        assertThat(delivered).containsExactly(SignedRequest.BODY);
    }

    @Test
    void missingSignatureIs401() throws Exception {
        HttpResponse<String> response = post(SignedRequest.valid().withoutHeader("webhook-signature"));
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(response.body()).isEqualTo("{\"detail\":\"missing signature\"}");
        assertThat(delivered).isEmpty();
    }

    @Test
    void wrongSignatureIs401() throws Exception {
        HttpResponse<String> response = post(SignedRequest.valid().withBody(SignedRequest.BODY.replace("12.5", "13.5")));
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).isEqualTo("{\"detail\":\"invalid signature\"}");
        assertThat(delivered).isEmpty();
    }

    @Test
    void staleTimestampIs401() throws Exception {
        byte[] body = SignedRequest.BODY.getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> response = post(SignedRequest.signed(body, SignedRequest.NOW - 3600, SignedRequest.SECRET));
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).isEqualTo("{\"detail\":\"invalid signature\"}");
    }

    @Test
    void nonJsonBodyIs400() throws Exception {
        byte[] body = "definitely not json".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> response = post(SignedRequest.signed(body, SignedRequest.NOW, SignedRequest.SECRET));
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo("{\"detail\":\"invalid JSON body\"}");
        assertThat(delivered).isEmpty();
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        byte[] body = ("[\"" + "x".repeat(MAX_BODY_BYTES) + "\"]").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> response = post(SignedRequest.signed(body, SignedRequest.NOW, SignedRequest.SECRET));
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.body()).isEqualTo("{\"detail\":\"body too large\"}");
        assertThat(delivered).isEmpty();
    }

    @Test
    void keepAliveConnectionServesSeveralRequests() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(post(SignedRequest.valid().withoutHeader("X-Signature")).statusCode()).isEqualTo(401);
            assertThat(post(SignedRequest.valid()).statusCode()).isEqualTo(200);
        }
        assertThat(delivered).hasSize(3);
    }

    private HttpResponse<String> post(SignedRequest request) throws Exception {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofByteArray(request.body));
        for (Map.Entry<String, String> header : request.headers.entrySet()) {
            builder.header(header.getKey(), header.getValue());
        }
        return client.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }
}
