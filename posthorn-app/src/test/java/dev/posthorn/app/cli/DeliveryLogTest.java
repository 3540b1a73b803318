package dev.posthorn.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.posthorn.app.Main;
import dev.posthorn.app.dev.DevStack;
import dev.posthorn.testkit.Await;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * "Where is my webhook?" on the real stack (embedded Postgres, relay, Kafka, delivery, admin API):
 * an event whose first attempt got 500 and second 200 shows both attempts, in order, in the API and
 * in {@code events show}; a resend adds one marked delivery; an unknown id is a 404 naming it.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DeliveryLogTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private DevStack stack;
    private HttpClient http;
    private String admin;
    private final Map<String, String> env = new HashMap<>();

    @BeforeAll
    void start() throws Exception {
        Path home = Files.createTempDirectory("posthorn-delivery-log-test");
        stack = DevStack.start(new DevStack.Options(home, 0, 0, 0, 0, false,
                Map.of("POSTHORN_DELIVERY_RETRY_SCHEDULE", "200ms,300ms", "POSTHORN_DELIVERY_DISABLE_AFTER", "3s")),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        http = HttpClient.newHttpClient();
        admin = "http://127.0.0.1:" + stack.adminPort();
        env.put("POSTHORN_DATABASE_URL", stack.jdbcUrl());
        env.put("POSTHORN_DATABASE_USER", stack.postgresUser());
        env.put("POSTHORN_DATABASE_PASSWORD", "postgres");
        env.put("POSTHORN_KAFKA_BOOTSTRAP", stack.kafkaBootstrap());
        env.put("POSTHORN_SECRET_KEY", Files.readString(home.resolve("secret.key")).trim());
    }

    @AfterAll
    void stop() {
        Environment.overrideForTests(null);
        if (stack != null) {
            stack.close();
        }
        if (http != null) {
            http.close();
        }
    }

    /** A receiver answering each request for an event with the next status of {@code statuses} (then the last). */
    private record Endpoint(HttpServer server, List<Map<String, String>> requests) implements AutoCloseable {
        static Endpoint answering(int... statuses) throws Exception {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
            Map<String, AtomicInteger> perEvent = new ConcurrentHashMap<>();
            server.createContext("/", exchange -> {
                String received = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                Map<String, String> headers = new HashMap<>();
                headers.put("_body", received);
                exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v.get(0)));
                requests.add(headers);
                int n = perEvent.computeIfAbsent(headers.get("x-event-id"), k -> new AtomicInteger()).getAndIncrement();
                byte[] body = ("answer " + (n + 1)).getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(statuses[Math.min(n, statuses.length - 1)], body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
            return new Endpoint(server, requests);
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
        }

        long requestsFor(String eventId) {
            return requests.stream().filter(h -> eventId.equals(h.get("x-event-id"))).count();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(admin + path)).timeout(Duration.ofSeconds(60));
        request.header("Content-Type", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String subscribe(String topic, String url) throws Exception {
        HttpResponse<String> created = call("POST", "/_webhooks/subscriptions",
                "{\"topic\":\"" + topic + "\",\"url\":\"" + url + "\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        return JSON.readTree(created.body()).get("id").asText();
    }

    private String fire(String topic) throws Exception {
        HttpResponse<String> fired = call("POST", "/_webhooks/test-fire",
                "{\"topic\":\"" + topic + "\",\"payload\":{\"invoice\":\"inv_9\"}}");
        assertThat(fired.statusCode()).isEqualTo(202);
        return JSON.readTree(fired.body()).get("event_id").asText();
    }

    /** The subscription's delivery in {@code GET /_webhooks/events/{id}} once it has {@code attempts} attempts. */
    private JsonNode deliveryWithAttempts(String eventId, String subscription, int attempts) {
        return Await.value(Duration.ofSeconds(60), attempts + " attempts of " + eventId + " in the delivery log", () -> unchecked(() -> {
                HttpResponse<String> r = call("GET", "/_webhooks/events/" + eventId, null);
                if (r.statusCode() != 200) {
                    return java.util.Optional.empty();
                }
                for (JsonNode d : JSON.readTree(r.body()).get("deliveries")) {
                    if (d.get("subscription").asText().equals(subscription) && d.get("attempts").size() >= attempts) {
                        return java.util.Optional.of(d);
                    }
                }
                return java.util.Optional.empty();
        }));
    }

    private record Result(int code, String out, String err) {}

    @FunctionalInterface
    private interface Probe<T> {
        T get() throws Exception;
    }

    /** Lets a probe that talks HTTP or SQL throw; a failure fails the wait at once. */
    private static <T> T unchecked(Probe<T> probe) {
        try {
            return probe.get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Result cli(String... args) {
        Environment.overrideForTests(env);
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = Main.execute(new PrintWriter(err, true), args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(original);
        }
    }

    @Test
    void a500Then200ShowsBothAttemptsInOrderInTheApiAndInEventsShow_andAResendAddsOneMarkedDelivery() throws Exception {
        try (Endpoint endpoint = Endpoint.answering(500, 200)) {
            String subscription = subscribe("ledger.*", endpoint.url());
            String eventId = fire("ledger.posted");
            Await.until(Duration.ofSeconds(60), "two requests", () -> endpoint.requestsFor(eventId) == 2);

            JsonNode delivery = deliveryWithAttempts(eventId, subscription, 2);
            assertThat(delivery.get("state").asText()).isEqualTo("delivered");
            assertThat(delivery.get("url").asText()).isEqualTo(endpoint.url());
            JsonNode attempts = delivery.get("attempts");
            assertThat(attempts).hasSize(2);
            assertThat(attempts.get(0).get("attempt").asInt()).isEqualTo(1);
            assertThat(attempts.get(0).get("status").asInt()).isEqualTo(500);
            assertThat(attempts.get(0).get("error").asText()).startsWith("HTTP 500");
            assertThat(attempts.get(0).get("response").asText()).isEqualTo("answer 1");
            assertThat(attempts.get(1).get("attempt").asInt()).isEqualTo(2);
            assertThat(attempts.get(1).get("status").asInt()).isEqualTo(200);
            assertThat(attempts.get(1).get("error").isNull()).isTrue();
            assertThat(attempts.get(0).get("duration_ms").asLong()).isGreaterThanOrEqualTo(0);
            assertThat(java.time.Instant.parse(attempts.get(1).get("at").asText()))
                    .isAfter(java.time.Instant.parse(attempts.get(0).get("at").asText()));

            JsonNode whole = JSON.readTree(call("GET", "/_webhooks/events/" + eventId, null).body());
            assertThat(whole.get("ok").asBoolean()).isTrue();
            assertThat(whole.get("event").get("id").asText()).isEqualTo(eventId);
            assertThat(whole.get("event").get("topic").asText()).isEqualTo("ledger.posted");
            assertThat(whole.get("event").get("payload").get("invoice").asText()).isEqualTo("inv_9");
            assertThat(whole.get("event").get("created_at").asText()).isNotBlank();

            Result shown = cli("events", "show", eventId);
            assertThat(shown.code()).as(shown.err()).isZero();
            assertThat(shown.out()).contains("event " + eventId, "ledger.posted", "subscription " + subscription,
                    "DELIVERED");
            int first = shown.out().indexOf("#1 ");
            int second = shown.out().indexOf("#2 ");
            assertThat(first).isPositive();
            assertThat(second).isGreaterThan(first);
            assertThat(shown.out().substring(first, second)).contains("500", "retrying", "HTTP 500");
            assertThat(shown.out().substring(second)).contains("200", "delivered");

            // The subscription's page of failed attempts holds the 500 only.
            JsonNode failed = JSON.readTree(call("GET", "/_webhooks/subscriptions/" + subscription
                    + "/attempts?outcome=failed", null).body());
            assertThat(failed.get("count").asInt()).isEqualTo(1);
            assertThat(failed.get("items").get(0).get("status").asInt()).isEqualTo(500);
            assertThat(failed.get("items").get(0).get("event_id").asText()).isEqualTo(eventId);
            Result listed = cli("attempts", "--subscription", subscription, "--since", "1h");
            assertThat(listed.code()).as(listed.err()).isZero();
            assertThat(listed.out()).contains("event=" + eventId, "2 attempt(s)");

            // Resend: one more request, marked, and a third attempt flagged as a resend in the log.
            HttpResponse<String> resent = call("POST", "/_webhooks/events/" + eventId + "/resend",
                    "{\"subscription\":\"" + subscription + "\"}");
            assertThat(resent.statusCode()).as(resent.body()).isEqualTo(202);
            Await.until(Duration.ofSeconds(60), "the resent request", () -> endpoint.requestsFor(eventId) == 3);
            assertThat(endpoint.requests().get(endpoint.requests().size() - 1).get("x-posthorn-recovery")).isEqualTo("true");
            JsonNode after = deliveryWithAttempts(eventId, subscription, 3);
            assertThat(after.get("attempts").get(2).get("resend").asBoolean()).isTrue();
            assertThat(after.get("attempts").get(2).get("status").asInt()).isEqualTo(200);
            assertThat(after.get("state").asText()).isEqualTo("delivered");
            assertThat(endpoint.requestsFor(eventId)).as("exactly one more delivery").isEqualTo(3);

            String metrics = call("GET", "/metrics", null).body();
            assertThat(metrics).contains("posthorn_delivery_attempts_total{outcome=\"retrying\"}",
                    "posthorn_delivery_attempts_total{outcome=\"delivered\"}", "posthorn_delivery_log_lookup_seconds_count");

            Result cliResend = cli("events", "resend", eventId, "--subscription", subscription);
            assertThat(cliResend.code()).as(cliResend.err()).isZero();
            Await.until(Duration.ofSeconds(60), "the CLI's resent request", () -> endpoint.requestsFor(eventId) == 4);
        }
    }

    /** The payloads of the operational events of {@code topic} that {@code endpoint} received. */
    private static List<JsonNode> operational(Endpoint endpoint, String topic) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (Map<String, String> r : endpoint.requests()) {
            if (topic.equals(r.get("x-topic"))) {
                out.add(JSON.readTree(r.get("_body")).get("payload"));
            }
        }
        return out;
    }

    @Test
    void a410AnnouncesTheDisableAndTheDeadLetterToAnOperatorOnPosthornStar_andTheirOwnFailuresAnnounceNothing()
            throws Exception {
        try (Endpoint operator = Endpoint.answering(200);
             Endpoint goneOperator = Endpoint.answering(410);
             Endpoint gone = Endpoint.answering(410)) {
            String operatorId = subscribe("posthorn.*", operator.url());
            String goneOperatorId = subscribe("posthorn.*", goneOperator.url());
            String goneId = subscribe("parcel.*", gone.url());
            String eventId = fire("parcel.lost");

            JsonNode disabled = Await.value(Duration.ofSeconds(90), "posthorn.subscription.disabled at the operator",
                    () -> unchecked(() -> {
                            return operational(operator, "posthorn.subscription.disabled").stream()
                                    .filter(p -> goneId.equals(p.path("id").asText())).findFirst();
                    }));
            assertThat(disabled.get("url").asText()).isEqualTo(gone.url());
            assertThat(disabled.get("cause").asText()).isEqualTo("gone");
            assertThat(disabled.get("reason").asText()).contains("410");
            JsonNode dead = Await.value(Duration.ofSeconds(60), "posthorn.delivery.dead_lettered at the operator", () -> unchecked(() -> {
                    return operational(operator, "posthorn.delivery.dead_lettered").stream()
                            .filter(p -> eventId.equals(p.path("event_id").asText())).findFirst();
            }));
            assertThat(dead.get("subscription_id").asText()).isEqualTo(goneId);
            assertThat(dead.get("last_status").asInt()).isEqualTo(410);
            assertThat(dead.get("attempts").asInt()).isEqualTo(1);
            assertThat(operator.requests()).allSatisfy(r -> assertThat(r.get("webhook-signature")).startsWith("v1,"));

            // The operator endpoint that answers 410 got disabled by an operational event: that is announced to
            // nobody, and its dead letters neither (the working operator sees only the parcel subscription's).
            Await.until(Duration.ofSeconds(60), "the 410 operator subscription disabled", () -> unchecked(() -> {
                    return stack.operations().listSubscriptions().stream()
                            .anyMatch(s -> s.id().toString().equals(goneOperatorId) && !s.enabled());
            }));
            // Give a loop time to show: an operator's disable is announced after any announcement of the above would be.
            String spare = subscribe("spare.*", gone.url());
            assertThat(stack.operations().disableSubscription(UUID.fromString(spare), "maintenance")).isTrue();
            JsonNode byOperator = Await.value(Duration.ofSeconds(60), "the operator's disable announced", () -> unchecked(() -> {
                    return operational(operator, "posthorn.subscription.disabled").stream()
                            .filter(p -> spare.equals(p.path("id").asText())).findFirst();
            }));
            assertThat(byOperator.get("cause").asText()).isEqualTo("operator");
            assertThat(byOperator.get("reason").asText()).isEqualTo("maintenance");
            assertThat(operational(operator, "posthorn.subscription.disabled"))
                    .noneMatch(p -> goneOperatorId.equals(p.path("id").asText()));
            assertThat(operational(operator, "posthorn.delivery.dead_lettered"))
                    .noneMatch(p -> goneOperatorId.equals(p.path("subscription_id").asText())
                            || operatorId.equals(p.path("subscription_id").asText()));
        }
    }

    @Test
    void aSubscriptionFailingForThePeriodIsDisabledAndAnnounced_andEnableRestartsTheClock() throws Exception {
        try (Endpoint operator = Endpoint.answering(200);
             Endpoint failing = Endpoint.answering(500)) {
            subscribe("posthorn.subscription.*", operator.url());
            String failingId = subscribe("meter.*", failing.url());
            long[] nextFire = {0};
            JsonNode disabled = Await.value(Duration.ofSeconds(90), "the failing subscription disabled and announced", () -> unchecked(() -> {
                    if (System.nanoTime() - nextFire[0] > 0) { // keep it failing: one event a second
                        fire("meter.read");
                        nextFire[0] = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                    }
                    return operational(operator, "posthorn.subscription.disabled").stream()
                            .filter(p -> failingId.equals(p.path("id").asText())).findFirst();
            }));
            assertThat(disabled.get("cause").asText()).isEqualTo("sustained_failure");
            assertThat(disabled.get("reason").asText()).startsWith("failing since 20");
            assertThat(disabled.get("url").asText()).isEqualTo(failing.url());
            Await.until(Duration.ofSeconds(30), "disabled in the table", () -> unchecked(() -> {
                    return stack.operations().listSubscriptions().stream().anyMatch(s -> s.id().toString().equals(failingId)
                            && !s.enabled() && s.disabledReason().orElse("").startsWith("failing since"));
            }));
            // Enable restarts the clock: the next failures do not disable it at once.
            long before = failing.requests().size();
            assertThat(call("POST", "/_webhooks/subscriptions/" + failingId + "/enable", null).statusCode()).isEqualTo(200);
            // Published after the enable committed, the event is stamped past it: delivery sees it enabled.
            fire("meter.read");
            Await.until(Duration.ofSeconds(30), "enabled again and failing", () -> failing.requests().size() > before);
            assertThat(operational(operator, "posthorn.subscription.disabled"))
                    .filteredOn(p -> failingId.equals(p.path("id").asText())).hasSize(1);
        }
    }

    @Test
    void anUnknownEventIsA404NamingTheId() throws Exception {
        // A time-ordered id of now that no event has, and an id that is not time-ordered at all.
        UUID v7 = new UUID((System.currentTimeMillis() << 16) | 0x7000L, 0x8000_0000_0000_0001L);
        for (String id : List.of(v7.toString(), UUID.randomUUID().toString(), "not-an-id")) {
            HttpResponse<String> r = call("GET", "/_webhooks/events/" + id, null);
            assertThat(r.statusCode()).as(id).isEqualTo(404);
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.get("ok").asBoolean()).isFalse();
            assertThat(body.get("error").asText()).contains("no event " + id);
        }
        Result shown = cli("events", "show", v7.toString());
        assertThat(shown.code()).isEqualTo(1);
        assertThat(shown.err()).contains("no event " + v7).doesNotContain("Exception");
        HttpResponse<String> resend = call("POST", "/_webhooks/events/" + v7 + "/resend",
                "{\"subscription\":\"" + UUID.randomUUID() + "\"}");
        assertThat(resend.statusCode()).isIn(400, 404);
    }
}
