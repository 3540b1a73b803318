package dev.posthorn.app.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Outside dev mode the admin API answers nothing under /_webhooks without the bearer token. */
class AdminAuthenticationTest {

    private static final String TOKEN = "a-long-enough-admin-token-1234";

    private AdminServer server;
    private HttpClient http;

    @BeforeEach
    void start() throws Exception {
        // No operations behind it: a request that gets past authentication can only reach routing.
        server = AdminServer.start("127.0.0.1", 0, null, Optional.of(TOKEN), httpServer -> {});
        http = HttpClient.newHttpClient();
    }

    @AfterEach
    void stop() {
        server.close();
        http.close();
    }

    private HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void refusesMissingAndWrongTokensWithoutEchoingThem() throws Exception {
        HttpResponse<String> missing = get("/_webhooks/subscriptions", null);
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.headers().firstValue("WWW-Authenticate")).contains("Bearer");

        HttpResponse<String> wrong = get("/_webhooks/subscriptions", "Bearer guess-" + TOKEN);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).contains("missing or wrong bearer token").doesNotContain(TOKEN);

        assertThat(get("/_webhooks/subscriptions", "Basic " + TOKEN).statusCode()).isEqualTo(401);
    }

    @Test
    void theRightTokenGetsThrough() throws Exception {
        assertThat(get("/_webhooks/no-such-thing", "Bearer " + TOKEN).statusCode()).isEqualTo(404);
    }
}
