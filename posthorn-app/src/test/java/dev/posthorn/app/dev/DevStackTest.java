package dev.posthorn.app.dev;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.posthorn.testkit.Await;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The dev stack as a new user meets it, driven only through the admin API and observed at real HTTP
 * receivers: subscribe, test-fire, see it arrive verified; every admin endpoint's codes and bodies;
 * DLQ list and replay; recover.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DevStackTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private DevStack stack;
    private HttpClient http;
    private String admin;

    @BeforeAll
    void start() throws Exception {
        Path home = Files.createTempDirectory("posthorn-dev-test");
        stack = DevStack.start(new DevStack.Options(home, 0, 0, 0, 0, false,
                Map.of("POSTHORN_DELIVERY_RETRY_SCHEDULE", "200ms,300ms")),
                new PrintStream(printed, true, StandardCharsets.UTF_8));
        http = HttpClient.newHttpClient();
        admin = "http://127.0.0.1:" + stack.adminPort();
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
        if (http != null) {
            http.close();
        }
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(admin + path)).timeout(Duration.ofSeconds(30));
        request.header("Content-Type", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    @Test
    void aTestFiredEventArrivesVerifiedAtTheDemoReceiver() throws Exception {
        long before = stack.receiver().verifiedCount();
        HttpResponse<String> created = call("POST", "/_webhooks/subscriptions",
                "{\"topic\":\"invoice.*\",\"url\":\"" + stack.receiver().url("/webhooks") + "\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode body = json(created);
        assertThat(body.get("ok").asBoolean()).isTrue();
        assertThat(body.get("secret").asText()).startsWith("whsec_");

        HttpResponse<String> fired = call("POST", "/_webhooks/test-fire",
                "{\"topic\":\"invoice.created\",\"payload\":{\"invoice\":\"inv_1\",\"amount_cents\":4200}}");
        assertThat(fired.statusCode()).isEqualTo(202);
        String eventId = json(fired).get("event_id").asText();

        Await.until(Duration.ofSeconds(60), "the demo receiver to verify the event",
                () -> stack.receiver().verifiedCount() > before);
        assertThat(stack.receiver().rejectedCount()).isZero();
        Await.until(Duration.ofSeconds(5), "the receiver to print the event",
                () -> printed.toString(StandardCharsets.UTF_8).contains("event=" + eventId));
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("✔ verified webhook invoice.created event=" + eventId)
                .contains("\"amount_cents\":4200");
    }

    @Test
    void testFireAndPublishGiveEachEventAFreshKeyUnlessOneIsGiven() throws Exception {
        String fired1 = json(call("POST", "/_webhooks/test-fire", "{\"topic\":\"keys.fired\"}")).get("event_id").asText();
        String fired2 = json(call("POST", "/_webhooks/test-fire", "{\"topic\":\"keys.fired\"}")).get("event_id").asText();
        String keyed = json(call("POST", "/_webhooks/test-fire", "{\"topic\":\"keys.fired\",\"key\":\"order-7\"}"))
                .get("event_id").asText();
        String published1 = stack.operations().publish("keys.published", null, "{}").toString();
        String published2 = stack.operations().publish("keys.published", null, "{}").toString();
        java.util.Set<String> ids = java.util.Set.of(fired1, fired2, keyed, published1, published2);
        Map<String, String> keyOf = Await.value(Duration.ofSeconds(60), "the five events on the events topic", () -> {
            Map<String, String> keys = new java.util.HashMap<>();
            dev.posthorn.app.ops.TopicScan.scan(stack.kafkaBootstrap(), java.util.List.of("posthorn.events"),
                    Instant.EPOCH, Duration.ofSeconds(30), (done, total) -> {}, record -> {
                        String id = dev.posthorn.app.ops.TopicScan.header(record, "posthorn.event_id");
                        if (ids.contains(id)) {
                            keys.put(id, new String(record.key(), StandardCharsets.UTF_8));
                        }
                    });
            return keys.size() == ids.size() ? java.util.Optional.of(keys) : java.util.Optional.empty();
        });
        assertThat(keyOf.get(keyed)).isEqualTo("order-7");
        assertThat(java.util.Set.of(keyOf.get(fired1), keyOf.get(fired2), keyOf.get(published1), keyOf.get(published2)))
                .as("one fresh key per event").hasSize(4)
                .doesNotContain("test-fire", "keys.published", "order-7");
    }

    @Test
    void anyLocalUrlAUserGivesReceivesTestFiredEvents() throws Exception {
        ConcurrentLinkedQueue<String> bodies = new ConcurrentLinkedQueue<>();
        HttpServer other = receiverWithStatus(new AtomicInteger(200), bodies);
        try {
            String url = "http://127.0.0.1:" + other.getAddress().getPort() + "/hook";
            assertThat(call("POST", "/_webhooks/subscriptions", "{\"topic\":\"order.shipped\",\"url\":\"" + url + "\"}")
                    .statusCode()).isEqualTo(201);
            call("POST", "/_webhooks/test-fire", "{\"topic\":\"order.shipped\",\"payload\":{\"order\":7}}");
            Await.until(Duration.ofSeconds(60), "the other receiver to get the event", () -> !bodies.isEmpty());
            assertThat(bodies.peek()).contains("\"payload\":{\"order\":7}").contains("\"topic\":\"order.shipped\"");
        } finally {
            other.stop(0);
        }
    }

    @Test
    void subscriptionEndpointsAnswerWithTheRightCodesAndNeverASecret() throws Exception {
        assertThat(call("POST", "/_webhooks/subscriptions", "{\"url\":\"http://127.0.0.1:1/x\"}"))
                .satisfies(r -> assertThat(r.statusCode()).isEqualTo(400))
                .satisfies(r -> assertThat(r.body()).contains("topic: required"));
        assertThat(call("POST", "/_webhooks/subscriptions", "{\"topic\":\"a.b\"}").body()).contains("url: required");
        assertThat(call("POST", "/_webhooks/subscriptions", "{\"topic\":\"a.b\",\"url\":\"ftp://x/y\"}"))
                .satisfies(r -> assertThat(r.statusCode()).isEqualTo(400))
                .satisfies(r -> assertThat(r.body()).contains("url: must be an http:// or https:// URL"));
        assertThat(call("POST", "/_webhooks/subscriptions", "not json").statusCode()).isEqualTo(400);

        HttpResponse<String> withOwnSecret = call("POST", "/_webhooks/subscriptions",
                "{\"topic\":\"ledger.posted\",\"url\":\"http://127.0.0.1:9/l\",\"secret\":\"whsec_b3duLXNlY3JldC1vd24tc2VjcmV0LTEyMzQ1Njc4\"}");
        assertThat(withOwnSecret.statusCode()).isEqualTo(201);
        assertThat(json(withOwnSecret).has("secret")).as("a given secret is never echoed").isFalse();
        String id = json(withOwnSecret).get("id").asText();

        HttpResponse<String> list = call("GET", "/_webhooks/subscriptions", null);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).contains(id).doesNotContain("whsec_").doesNotContain("v1:").doesNotContain("v2:");

        HttpResponse<String> rotated = call("POST", "/_webhooks/subscriptions/" + id + "/rotate", null);
        assertThat(rotated.statusCode()).isEqualTo(200);
        assertThat(json(rotated).get("secret").asText()).startsWith("whsec_");
        assertThat(stack.operations().validSecrets(java.util.UUID.fromString(id))).hasSize(2);

        stack.operations().disableSubscription(java.util.UUID.fromString(id), "test");
        assertThat(call("POST", "/_webhooks/subscriptions/" + id + "/enable", null).statusCode()).isEqualTo(200);
        assertThat(stack.operations().listSubscriptions()).anySatisfy(s -> {
            assertThat(s.id().toString()).isEqualTo(id);
            assertThat(s.enabled()).isTrue();
        });

        assertThat(call("DELETE", "/_webhooks/subscriptions/" + id, null).statusCode()).isEqualTo(200);
        assertThat(call("DELETE", "/_webhooks/subscriptions/" + id, null).statusCode()).isEqualTo(404);
        assertThat(call("POST", "/_webhooks/subscriptions/not-an-id/rotate", null).statusCode()).isEqualTo(404);
        assertThat(call("GET", "/_webhooks/nothing-here", null).statusCode()).isEqualTo(404);
        assertThat(call("POST", "/_webhooks/test-fire", "{}").body()).contains("topic: required");
        assertThat(call("POST", "/_webhooks/test-fire", "{\"topic\":\"Bad Topic!\"}").statusCode()).isEqualTo(400);
    }

    @Test
    void healthAndMetricsReportTheRunningPipeline() throws Exception {
        HttpResponse<String> health = call("GET", "/health", null);
        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode body = json(health);
        assertThat(body.get("status").asText()).isEqualTo("UP");
        assertThat(body.get("components").fieldNames()).toIterable()
                .containsExactlyInAnyOrder("postgres", "kafka", "relay", "delivery");

        HttpResponse<String> metrics = call("GET", "/metrics", null);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("posthorn_relay_events_total").contains("posthorn_delivery_in_flight");
    }

    @Test
    void deadLettersCanBeListedAndReplayedAndEventsRecovered() throws Exception {
        AtomicInteger status = new AtomicInteger(500);
        ConcurrentLinkedQueue<String> bodies = new ConcurrentLinkedQueue<>();
        HttpServer failing = receiverWithStatus(status, bodies);
        try {
            String url = "http://127.0.0.1:" + failing.getAddress().getPort() + "/hook";
            String id = json(call("POST", "/_webhooks/subscriptions", "{\"topic\":\"refund.issued\",\"url\":\"" + url + "\"}"))
                    .get("id").asText();
            Instant start = Instant.now().minusSeconds(1);
            String eventId = json(call("POST", "/_webhooks/test-fire", "{\"topic\":\"refund.issued\",\"payload\":{\"r\":1}}"))
                    .get("event_id").asText();

            JsonNode dlq = Await.value(Duration.ofSeconds(90), "the event in the DLQ", () -> {
                try {
                    JsonNode items = json(call("GET", "/_webhooks/dlq?subscription=" + id, null)).get("items");
                    return items.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(items.get(0));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(dlq.get("event_id").asText()).isEqualTo(eventId);
            assertThat(dlq.get("attempts").asInt()).isEqualTo(3);
            assertThat(dlq.get("last_status").asText()).isEqualTo("500");
            assertThat(call("GET", "/_webhooks/dlq?since=nonsense", null).statusCode()).isEqualTo(400);

            int attemptsBeforeReplay = bodies.size();
            status.set(200);
            HttpResponse<String> replay = call("POST", "/_webhooks/dlq/replay", "{\"subscription\":\"" + id + "\"}");
            assertThat(replay.statusCode()).isEqualTo(200);
            assertThat(json(replay).get("requeued").asInt()).isEqualTo(1);
            Await.until(Duration.ofSeconds(60), "the replayed delivery", () -> bodies.size() > attemptsBeforeReplay);

            int beforeRecover = bodies.size();
            HttpResponse<String> recover = call("POST", "/_webhooks/subscriptions/" + id + "/recover",
                    "{\"since\":\"" + start + "\"}");
            assertThat(recover.statusCode()).isEqualTo(200);
            assertThat(json(recover).get("recovered").asInt()).isEqualTo(1);
            Await.until(Duration.ofSeconds(60), "the recovered delivery despite the inbox marker",
                    () -> bodies.size() > beforeRecover);
            assertThat(bodies.stream().skip(beforeRecover).findFirst().orElseThrow())
                    .as("receivers can tell a recovered delivery").startsWith("recovery:true ");
            assertThat(bodies.stream().limit(beforeRecover)).noneMatch(b -> b.startsWith("recovery:"));
            assertThat(call("POST", "/_webhooks/subscriptions/" + id + "/recover", "{}").statusCode()).isEqualTo(400);
        } finally {
            failing.stop(0);
        }
    }

    @Test
    void deadLettersPageAndAReplayNeedsAFilterAndRunsOnce() throws Exception {
        AtomicInteger status = new AtomicInteger(500);
        ConcurrentLinkedQueue<String> bodies = new ConcurrentLinkedQueue<>();
        HttpServer failing = receiverWithStatus(status, bodies);
        try {
            String url = "http://127.0.0.1:" + failing.getAddress().getPort() + "/hook";
            String id = json(call("POST", "/_webhooks/subscriptions", "{\"topic\":\"chargeback.opened\",\"url\":\"" + url + "\"}"))
                    .get("id").asText();
            java.util.Set<String> fired = new java.util.HashSet<>();
            for (int i = 0; i < 3; i++) {
                fired.add(json(call("POST", "/_webhooks/test-fire", "{\"topic\":\"chargeback.opened\"}")).get("event_id").asText());
            }
            Await.until(Duration.ofSeconds(90), "three dead letters", () -> {
                try {
                    return json(call("GET", "/_webhooks/dlq?subscription=" + id + "&limit=10", null)).get("count").asInt() == 3;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            // Pages of two: the first names where the next starts, the last names nothing.
            JsonNode first = json(call("GET", "/_webhooks/dlq?subscription=" + id + "&limit=2", null));
            assertThat(first.get("items")).hasSize(2);
            assertThat(first.get("next_cursor").isTextual()).isTrue();
            JsonNode second = json(call("GET", "/_webhooks/dlq?subscription=" + id + "&limit=2&cursor="
                    + first.get("next_cursor").asText(), null));
            java.util.Set<String> listed = new java.util.HashSet<>();
            first.get("items").forEach(item -> listed.add(item.get("event_id").asText()));
            second.get("items").forEach(item -> listed.add(item.get("event_id").asText()));
            assertThat(second.get("items")).hasSize(1);
            assertThat(second.get("next_cursor").isNull()).isTrue();
            assertThat(listed).isEqualTo(fired);
            assertThat(call("GET", "/_webhooks/dlq?limit=0", null).statusCode()).isEqualTo(400);
            assertThat(call("GET", "/_webhooks/dlq?cursor=nonsense", null).statusCode()).isEqualTo(400);

            // A replay must say what it replays: no filter, no replay.
            HttpResponse<String> unfiltered = call("POST", "/_webhooks/dlq/replay", "{}");
            assertThat(unfiltered.statusCode()).isEqualTo(400);
            assertThat(unfiltered.body()).contains("all");

            status.set(200);
            JsonNode once = json(call("POST", "/_webhooks/dlq/replay", "{\"subscription\":\"" + id + "\"}"));
            assertThat(once.get("requeued").asInt()).isEqualTo(3);
            Await.until(Duration.ofSeconds(60), "the replayed deliveries", () -> bodies.size() >= 9 + 3);
            JsonNode again = json(call("POST", "/_webhooks/dlq/replay", "{\"subscription\":\"" + id + "\"}"));
            assertThat(again.get("requeued").asInt()).as("replayed once already").isZero();
            assertThat(again.get("already_replayed").asInt()).isEqualTo(3);
            JsonNode forced = json(call("POST", "/_webhooks/dlq/replay",
                    "{\"subscription\":\"" + id + "\",\"force\":true}"));
            assertThat(forced.get("requeued").asInt()).isEqualTo(3);
        } finally {
            failing.stop(0);
        }
    }

    @Test
    void aGoneEndpointDisablesItsSubscriptionInTheTable() throws Exception {
        ConcurrentLinkedQueue<String> goneBodies = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> healthyBodies = new ConcurrentLinkedQueue<>();
        HttpServer gone = receiverWithStatus(new AtomicInteger(410), goneBodies);
        HttpServer healthy = receiverWithStatus(new AtomicInteger(200), healthyBodies);
        try {
            java.util.UUID id = java.util.UUID.fromString(json(call("POST", "/_webhooks/subscriptions",
                    "{\"topic\":\"account.closed\",\"url\":\"http://127.0.0.1:" + gone.getAddress().getPort()
                            + "/hook\"}")).get("id").asText());
            call("POST", "/_webhooks/subscriptions", "{\"topic\":\"account.closed\",\"url\":\"http://127.0.0.1:"
                    + healthy.getAddress().getPort() + "/hook\"}");
            call("POST", "/_webhooks/test-fire", "{\"topic\":\"account.closed\"}");

            // delivery → 410 → control record → relay updates the table.
            var disabled = Await.value(Duration.ofSeconds(60), "the subscription disabled in the table", () -> {
                try {
                    return stack.operations().listSubscriptions().stream()
                            .filter(s -> s.id().equals(id) && !s.enabled()).findFirst();
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(disabled.disabledReason()).hasValueSatisfying(r -> assertThat(r).contains("410"));
            assertThat(goneBodies).hasSize(1);

            call("POST", "/_webhooks/test-fire", "{\"topic\":\"account.closed\"}");
            Await.until(Duration.ofSeconds(60), "the second event at the healthy subscriber", () -> healthyBodies.size() == 2);
            assertThat(goneBodies).as("no further attempts at the disabled subscription").hasSize(1);
        } finally {
            gone.stop(0);
            healthy.stop(0);
        }
    }

    private static HttpServer receiverWithStatus(AtomicInteger status, ConcurrentLinkedQueue<String> bodies) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            try (exchange) {
                String recovery = exchange.getRequestHeaders().getFirst("X-Posthorn-Recovery");
                bodies.add((recovery == null ? "" : "recovery:" + recovery + " ")
                        + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                exchange.sendResponseHeaders(status.get(), -1);
            }
        });
        server.start();
        return server;
    }
}
