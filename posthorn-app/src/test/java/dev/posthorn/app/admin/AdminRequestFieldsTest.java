package dev.posthorn.app.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every admin API body refuses fields it does not know (a misspelt option must not be ignored), with
 * 400 naming the field and the closest known one, before anything is done: no operations are behind
 * this server, so a request that got past the check would fail differently.
 */
class AdminRequestFieldsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private AdminServer server;
    private HttpClient http;

    @BeforeEach
    void start() throws Exception {
        server = AdminServer.start("127.0.0.1", 0, null, Optional.empty(), httpServer -> {});
        http = HttpClient.newHttpClient();
    }

    @AfterEach
    void stop() {
        server.close();
        http.close();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource(delimiter = '|', value = {
        "POST  | /_webhooks/subscriptions | {\"topic\":\"a.b\",\"url\":\"http://x/y\",\"strict_ordr\":true} | strict_ordr: unknown field; did you mean strict_order? (known fields: filter, headers, rate_limit, secret, signing, strict_order, topic, url)",
        "POST  | /_webhooks/subscriptions | {\"topic\":\"a.b\",\"url\":\"http://x/y\",\"filters\":{},\"ratelimit\":1} | filters: unknown field; did you mean filter?; ratelimit: unknown field; did you mean rate_limit?",
        "POST  | /_webhooks/subscriptions | {\"topic\":\"a.b\",\"url\":\"http://x/y\",\"zzzzzz\":1} | zzzzzz: unknown field (known fields:",
        "PATCH | /_webhooks/subscriptions/8d5e0a52-4f0e-4c47-9a34-4f1f1a1b2c3d | {\"header\":{}} | header: unknown field; did you mean headers? (known fields: filter, headers, rate_limit, signing, strict_order)",
        "PATCH | /_webhooks/subscriptions/8d5e0a52-4f0e-4c47-9a34-4f1f1a1b2c3d | {\"topic\":\"a.c\"} | topic: cannot be changed; add a subscription with the new topic and remove this one",
        "PATCH | /_webhooks/subscriptions/8d5e0a52-4f0e-4c47-9a34-4f1f1a1b2c3d | {\"secret\":\"x\"} | secret: cannot be set by PATCH",
        "PATCH | /_webhooks/subscriptions/8d5e0a52-4f0e-4c47-9a34-4f1f1a1b2c3d | {\"rate_limit\":2.5} | rate_limit: must be a whole number of requests per second",
        "PATCH | /_webhooks/subscriptions/8d5e0a52-4f0e-4c47-9a34-4f1f1a1b2c3d | {\"filter\":[1]} | filter: must be a JSON object",
        "PATCH | /_webhooks/subscriptions/8d5e0a52-4f0e-4c47-9a34-4f1f1a1b2c3d | {\"headers\":{\"X-A\":1}} | headers: header 'X-A' needs a string value",
        "PATCH | /_webhooks/subscriptions/8d5e0a52-4f0e-4c47-9a34-4f1f1a1b2c3d | {\"strict_order\":\"yes\"} | strict_order: must be true or false",
        "PATCH | /_webhooks/subscriptions/8d5e0a52-4f0e-4c47-9a34-4f1f1a1b2c3d | {\"signing\":\"rsa\"} | signing: must be hmac, ed25519 or both, was 'rsa'",
        "PATCH | /_webhooks/subscriptions/8d5e0a52-4f0e-4c47-9a34-4f1f1a1b2c3d | {\"signing\":1} | signing: must be \"hmac\", \"ed25519\" or \"both\"",
        "POST  | /_webhooks/subscriptions/8d5e0a52-4f0e-4c47-9a34-4f1f1a1b2c3d/rotate | {\"secret\":\"x\"} | secret: unknown field (this request takes no fields)",
        "POST  | /_webhooks/subscriptions/8d5e0a52-4f0e-4c47-9a34-4f1f1a1b2c3d/enable | {\"reason\":\"x\"} | reason: unknown field (this request takes no fields)",
        "POST  | /_webhooks/subscriptions/8d5e0a52-4f0e-4c47-9a34-4f1f1a1b2c3d/recover | {\"sinse\":\"2026-01-01T00:00:00Z\"} | sinse: unknown field; did you mean since?",
        "POST  | /_webhooks/test-fire | {\"topic\":\"a.b\",\"paylod\":{}} | paylod: unknown field; did you mean payload?",
        "POST  | /_webhooks/dlq/replay | {\"al\":true} | al: unknown field; did you mean all?",
    })
    void refusesUnknownFieldsNamingThemWithTheClosestKnownOne(String method, String path, String body, String error)
            throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + path.strip()))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .method(method.strip(), HttpRequest.BodyPublishers.ofString(body.strip()))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
        assertThat(JSON.readTree(answer.body()).get("error").asText()).startsWith(error.strip());
    }
}
