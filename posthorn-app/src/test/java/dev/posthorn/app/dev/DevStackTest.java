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

    /** Issue 16: unknown fields refused, filter, custom headers and PATCH, through admin API, table, relay and delivery. */
    @Test
    void subscriptionOptionsAreValidatedAndApplyThroughThePipeline() throws Exception {
        ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        receiver.createContext("/", exchange -> {
            try (exchange) {
                Map<String, String> headers = new java.util.HashMap<>();
                exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v.get(0)));
                received.add(new Received(headers, exchange.getRequestBody().readAllBytes()));
                exchange.sendResponseHeaders(204, -1);
            }
        });
        receiver.start();
        try {
            String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/opts";
            HttpResponse<String> misspelt = call("POST", "/_webhooks/subscriptions",
                    "{\"topic\":\"opts.*\",\"url\":\"" + url + "\",\"strict_ordr\":true}");
            assertThat(misspelt.statusCode()).isEqualTo(400);
            assertThat(json(misspelt).get("error").asText())
                    .startsWith("strict_ordr: unknown field; did you mean strict_order? (known fields: filter, headers,");
            assertThat(call("POST", "/_webhooks/subscriptions", "{\"topic\":\"opts.*\",\"url\":\"" + url
                    + "\",\"filter\":{\"payload.n\":{\"$regex\":\"1\"}}}").body())
                    .contains("filter: unknown operator $regex at path 'payload.n'");
            assertThat(call("POST", "/_webhooks/subscriptions", "{\"topic\":\"opts.*\",\"url\":\"" + url
                    + "\",\"headers\":{\"X-Signature\":\"forged\"}}").body())
                    .contains("headers: header 'X-Signature' is set by Posthorn or HTTP and cannot be overridden");
            assertThat(call("POST", "/_webhooks/test-fire", "{\"topic\":\"opts.a\",\"paylod\":{}}").body())
                    .contains("paylod: unknown field; did you mean payload?");
            assertThat(call("GET", "/_webhooks/subscriptions", null).body()).as("nothing written on refusal").doesNotContain(url);

            HttpResponse<String> created = call("POST", "/_webhooks/subscriptions", "{\"topic\":\"opts.*\",\"url\":\""
                    + url + "\",\"filter\":{\"payload.status\":\"paid\"},\"headers\":{\"X-Tenant\":\"tenant-secret-1\"}}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            String id = json(created).get("id").asText();
            String secret = json(created).get("secret").asText();
            JsonNode listed = subscription(id);
            assertThat(listed.get("filter").toString()).isEqualTo("{\"payload.status\":\"paid\"}");
            assertThat(listed.get("headers").toString()).isEqualTo("[\"X-Tenant\"]");
            assertThat(listed.get("rate_limit").isNull()).isTrue();
            assertThat(call("GET", "/_webhooks/subscriptions", null).body()).as("header values are never listed")
                    .doesNotContain("tenant-secret-1");

            String open = json(call("POST", "/_webhooks/test-fire", "{\"topic\":\"opts.a\",\"payload\":{\"status\":\"open\"}}"))
                    .get("event_id").asText();
            String paid = json(call("POST", "/_webhooks/test-fire", "{\"topic\":\"opts.a\",\"payload\":{\"status\":\"paid\"}}"))
                    .get("event_id").asText();
            Await.until(Duration.ofSeconds(60), "the paid event, and the open one filtered (counted)",
                    () -> received.stream().anyMatch(r -> paid.equals(r.header("webhook-id"))) && filteredCount() >= 1);
            Received first = received.stream().filter(r -> paid.equals(r.header("webhook-id"))).findFirst().orElseThrow();
            assertThat(first.header("x-tenant")).isEqualTo("tenant-secret-1");
            assertThat(dev.posthorn.signature.WebhookVerifier.builder().secret(secret).build().verify(first::header, first.body()))
                    .isInstanceOf(dev.posthorn.signature.VerificationResult.Verified.class);
            assertThat(received).noneMatch(r -> open.equals(r.header("webhook-id")));

            assertThat(call("PATCH", "/_webhooks/subscriptions/" + id, "{\"url\":\"http://127.0.0.1:1/x\"}").body())
                    .contains("url: cannot be changed");
            assertThat(call("PATCH", "/_webhooks/subscriptions/" + id, "{\"ratelimit\":5}").body())
                    .contains("ratelimit: unknown field; did you mean rate_limit?");
            assertThat(call("PATCH", "/_webhooks/subscriptions/" + java.util.UUID.randomUUID(), "{\"rate_limit\":5}")
                    .statusCode()).isEqualTo(404);
            HttpResponse<String> patched = call("PATCH", "/_webhooks/subscriptions/" + id,
                    "{\"filter\":{\"payload.status\":{\"$in\":[\"open\",\"void\"]}},\"headers\":null,\"rate_limit\":50}");
            assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
            assertThat(json(patched).get("rate_limit").asInt()).isEqualTo(50);
            assertThat(subscription(id).get("headers").toString()).isEqualTo("[]");
            assertThat(subscription(id).get("previous_secret_expires_at").isNull()).as("no rotation").isTrue();

            String reopened = json(call("POST", "/_webhooks/test-fire",
                    "{\"topic\":\"opts.b\",\"payload\":{\"status\":\"open\"}}")).get("event_id").asText();
            Await.until(Duration.ofSeconds(60), "the open event under the changed filter",
                    () -> received.stream().anyMatch(r -> reopened.equals(r.header("webhook-id"))));
            Received second = received.stream().filter(r -> reopened.equals(r.header("webhook-id"))).findFirst().orElseThrow();
            assertThat(second.header("x-tenant")).as("headers removed").isNull();
            assertThat(second.header("webhook-signature").split(" ")).as("the secret was not rotated").hasSize(1);
            assertThat(dev.posthorn.signature.WebhookVerifier.builder().secret(secret).build().verify(second::header, second.body()))
                    .isInstanceOf(dev.posthorn.signature.VerificationResult.Verified.class);

            HttpResponse<String> ed = call("PATCH", "/_webhooks/subscriptions/" + id, "{\"signing\":\"ed25519\"}");
            assertThat(ed.statusCode()).as(ed.body()).isEqualTo(200);
            String publicKey = json(ed).get("public_key").asText();
            assertThat(publicKey).startsWith("whpk_");
            assertThat(subscription(id).get("public_key").asText()).as("shown on request").isEqualTo(publicKey);
            String signed = json(call("POST", "/_webhooks/test-fire",
                    "{\"topic\":\"opts.c\",\"payload\":{\"status\":\"void\"}}")).get("event_id").asText();
            Await.until(Duration.ofSeconds(60), "the event signed with Ed25519",
                    () -> received.stream().anyMatch(r -> signed.equals(r.header("webhook-id"))));
            Received third = received.stream().filter(r -> signed.equals(r.header("webhook-id"))).findFirst().orElseThrow();
            assertThat(third.header("webhook-signature")).startsWith("v1a,").doesNotContain("v1,");
            assertThat(third.header("x-signature")).as("no HMAC: no X-Signature").isNull();
            assertThat(dev.posthorn.signature.WebhookVerifier.builder().publicKey(publicKey).build()
                    .verify(third::header, third.body())).isInstanceOf(dev.posthorn.signature.VerificationResult.Verified.class);
        } finally {
            receiver.stop(0);
        }
    }

    private record Received(Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    private JsonNode subscription(String id) throws Exception {
        for (JsonNode item : json(call("GET", "/_webhooks/subscriptions", null)).get("items")) {
            if (item.get("id").asText().equals(id)) {
                return item;
            }
        }
        throw new AssertionError("subscription " + id + " not listed");
    }

    private double filteredCount() {
        String metrics;
        try {
            metrics = call("GET", "/metrics", null).body();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read /metrics", e);
        }
        for (String line : metrics.split("\n")) {
            if (line.startsWith("posthorn_delivery_filtered_total")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
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
