package dev.posthorn.app.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.posthorn.app.attempts.DeliveryLogRoutes;
import dev.posthorn.app.http.BearerAuth;
import dev.posthorn.app.http.JsonHttp;
import dev.posthorn.app.http.JsonHttp.HttpError;
import dev.posthorn.app.http.QueryParams;
import dev.posthorn.app.http.RequestGuards;
import dev.posthorn.app.http.Router;
import dev.posthorn.app.ops.DeadLetterFilter;
import dev.posthorn.app.ops.DeadLetterPage;
import dev.posthorn.app.ops.Operations;
import dev.posthorn.app.ops.ReplayResult;
import dev.posthorn.outbox.Subscription;
import dev.posthorn.outbox.SubscriptionChange;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The admin HTTP API, on the reference design's paths. {@code /health} and {@code /metrics} are open
 * (probes and scrapers); everything under {@code /_webhooks} requires the bearer token when one is set,
 * and without one (dev mode, {@code POSTHORN_ADMIN_AUTH=off}) answers only requests whose Host and
 * Origin are local. Request bodies must be JSON.
 */
public final class AdminServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor;

    private AdminServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    public static AdminServer start(String bind, int port, Operations ops, Optional<String> token, HealthEndpoints health)
            throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 0);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        HttpHandler api = RequestGuards.jsonBodiesOnly(routes(ops, health.registry()));
        server.createContext("/_webhooks", token.isPresent() ? BearerAuth.wrap(api, token) : RequestGuards.localOnly(api));
        health.register(server);
        server.start();
        return new AdminServer(server, executor);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    static Router routes(Operations ops, io.micrometer.core.instrument.MeterRegistry meters) {
        return DeliveryLogRoutes.register(new Router(), ops, meters)
                .on("POST", "/_webhooks/subscriptions", (ex, p) -> addSubscription(ex, ops))
                .on("GET", "/_webhooks/subscriptions", (ex, p) -> listSubscriptions(ex, ops))
                .on("DELETE", "/_webhooks/subscriptions/{id}", (ex, p) -> {
                    UUID id = subscriptionId(p.get(0));
                    if (!ops.removeSubscription(id)) {
                        throw new HttpError(404, "no subscription " + id);
                    }
                    JsonHttp.send(ex, 200, JsonHttp.ok().put("id", id.toString()));
                })
                .on("POST", "/_webhooks/subscriptions/{id}/rotate", (ex, p) -> {
                    UUID id = subscriptionId(p.get(0));
                    SubscriptionChange change = ops.rotateSubscription(id)
                            .orElseThrow(() -> new HttpError(404, "no subscription " + id));
                    ObjectNode body = JsonHttp.ok().put("id", id.toString());
                    change.generatedSecret().ifPresent(secret -> body.put("secret", secret));
                    JsonHttp.send(ex, 200, body);
                })
                .on("POST", "/_webhooks/subscriptions/{id}/enable", (ex, p) -> {
                    UUID id = subscriptionId(p.get(0));
                    if (!ops.enableSubscription(id)) {
                        throw new HttpError(404, "no subscription " + id);
                    }
                    JsonHttp.send(ex, 200, JsonHttp.ok().put("id", id.toString()).put("enabled", true));
                })
                .on("POST", "/_webhooks/subscriptions/{id}/recover", (ex, p) -> {
                    UUID id = subscriptionId(p.get(0));
                    JsonNode body = JsonHttp.body(ex);
                    Instant since = instant(body.path("since").asText(null), "since")
                            .orElseThrow(() -> new HttpError(400, "since: required (ISO-8601 instant)"));
                    Instant until = instant(body.path("until").asText(null), "until").orElse(Instant.now());
                    long count = ops.recover(id, since, until, (done, total) -> {});
                    JsonHttp.send(ex, 200, JsonHttp.ok().put("id", id.toString()).put("recovered", count));
                })
                .on("POST", "/_webhooks/test-fire", (ex, p) -> testFire(ex, ops))
                .on("GET", "/_webhooks/dlq", (ex, p) -> {
                    var params = JsonHttp.query(ex);
                    DeadLetterPage page = ops.listDeadLetters(filter(params), limit(params.get("limit")),
                            blankToNull(params.get("cursor")));
                    ArrayNode items = JsonHttp.MAPPER.createArrayNode();
                    page.items().forEach(d -> items.add(d.toJson()));
                    JsonHttp.send(ex, 200, JsonHttp.ok().put("count", items.size()).<ObjectNode>set("items", items)
                            .put("next_cursor", page.nextCursor().orElse(null)));
                })
                .on("POST", "/_webhooks/dlq/replay", (ex, p) -> {
                    JsonNode body = JsonHttp.body(ex);
                    var params = JsonHttp.query(ex);
                    body.fields().forEachRemaining(f -> params.putIfAbsent(f.getKey(), f.getValue().asText()));
                    ReplayResult result = ops.replayDeadLetters(filter(params), "true".equals(params.get("all")),
                            "true".equals(params.get("force")), (done, total) -> {});
                    JsonHttp.send(ex, 200, JsonHttp.ok().put("requeued", result.requeued())
                            .put("already_replayed", result.alreadyReplayed())
                            .put("not_replayable", result.notReplayable()));
                });
    }

    private static void addSubscription(HttpExchange ex, Operations ops) throws Exception {
        JsonNode body = JsonHttp.body(ex);
        String topic = text(body, "topic");
        String url = text(body, "url");
        if (topic == null) {
            throw new HttpError(400, "topic: required");
        }
        if (url == null) {
            throw new HttpError(400, "url: required");
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "url: not a valid URL");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
            throw new HttpError(400, "url: must be an http:// or https:// URL");
        }
        Optional<String> secret = Optional.ofNullable(text(body, "secret"));
        boolean strictOrder = body.path("strict_order").asBoolean(false);
        SubscriptionChange change = ops.addSubscription(topic, url, secret, strictOrder);
        ObjectNode answer = JsonHttp.ok().put("id", change.id().toString()).put("created", change.created());
        change.generatedSecret().ifPresent(s -> answer.put("secret", s));
        JsonHttp.send(ex, change.created() ? 201 : 200, answer);
    }

    private static void listSubscriptions(HttpExchange ex, Operations ops) throws Exception {
        ArrayNode items = JsonHttp.MAPPER.createArrayNode();
        for (Subscription s : ops.listSubscriptions()) {
            items.add(subscriptionJson(s));
        }
        JsonHttp.send(ex, 200, JsonHttp.ok().put("count", items.size()).set("items", items));
    }

    /** Never a secret: the table only holds sealed ones, and they are not part of {@link Subscription}. */
    static ObjectNode subscriptionJson(Subscription s) {
        ObjectNode node = JsonHttp.object()
                .put("id", s.id().toString())
                .put("topic", s.topic())
                .put("url", s.url())
                .put("enabled", s.enabled())
                .put("strict_order", s.strictOrder())
                .put("created_at", s.createdAt().toString())
                .put("updated_at", s.updatedAt().toString());
        node.put("disabled_reason", s.disabledReason().orElse(null));
        node.put("previous_secret_expires_at", s.previousSecretExpiresAt().map(Instant::toString).orElse(null));
        return node;
    }

    private static void testFire(HttpExchange ex, Operations ops) throws Exception {
        JsonNode body = JsonHttp.body(ex);
        String topic = text(body, "topic");
        if (topic == null) {
            throw new HttpError(400, "topic: required");
        }
        JsonNode payload = body.has("payload") && !body.get("payload").isNull()
                ? body.get("payload")
                : JsonHttp.object().put("test", true).put("fired_at", Instant.now().toString());
        UUID eventId = ops.testFire(topic, text(body, "key"), payload);
        JsonHttp.send(ex, 202, JsonHttp.ok().put("event_id", eventId.toString()));
    }

    private static String text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new HttpError(400, field + ": must be a string");
        }
        String value = node.asText().trim();
        return value.isEmpty() ? null : value;
    }

    private static UUID subscriptionId(String raw) {
        try {
            return UUID.fromString(java.net.URLDecoder.decode(raw, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new HttpError(404, "no subscription " + raw);
        }
    }

    static DeadLetterFilter filter(java.util.Map<String, String> params) {
        Optional<UUID> subscription = Optional.ofNullable(params.get("subscription"))
                .filter(s -> !s.isBlank())
                .map(s -> {
                    try {
                        return UUID.fromString(s);
                    } catch (IllegalArgumentException e) {
                        throw new HttpError(400, "subscription: not a subscription id");
                    }
                });
        return new DeadLetterFilter(subscription, instant(params.get("since"), "since"), instant(params.get("until"), "until"));
    }

    private static int limit(String raw) {
        return QueryParams.limit(raw, Operations.MAX_PAGE);
    }

    private static String blankToNull(String raw) {
        return QueryParams.blankToNull(raw);
    }

    private static Optional<Instant> instant(String raw, String field) {
        return QueryParams.instant(raw, field);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.close();
    }

    /** {@code /health} and {@code /metrics}, shared by the admin API and the services' own port. */
    public interface HealthEndpoints {
        void register(HttpServer server);

        /** Where the API's own meters go (delivery log look-up latency). */
        default io.micrometer.core.instrument.MeterRegistry registry() {
            return new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        }
    }
}
