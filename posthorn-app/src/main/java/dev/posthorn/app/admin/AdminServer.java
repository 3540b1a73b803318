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
import dev.posthorn.outbox.SubscriptionOptions;
import dev.posthorn.outbox.SubscriptionPatch;
import dev.posthorn.outbox.Signing;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
                .on("PATCH", "/_webhooks/subscriptions/{id}", (ex, p) -> updateSubscription(ex, ops, subscriptionId(p.get(0))))
                .on("DELETE", "/_webhooks/subscriptions/{id}", (ex, p) -> {
                    UUID id = subscriptionId(p.get(0));
                    JsonHttp.body(ex, NO_FIELDS);
                    if (!ops.removeSubscription(id)) {
                        throw new HttpError(404, "no subscription " + id);
                    }
                    JsonHttp.send(ex, 200, JsonHttp.ok().put("id", id.toString()));
                })
                .on("POST", "/_webhooks/subscriptions/{id}/rotate", (ex, p) -> {
                    UUID id = subscriptionId(p.get(0));
                    JsonHttp.body(ex, NO_FIELDS);
                    SubscriptionChange change = ops.rotateSubscription(id)
                            .orElseThrow(() -> new HttpError(404, "no subscription " + id));
                    ObjectNode body = JsonHttp.ok().put("id", id.toString());
                    change.generatedSecret().ifPresent(secret -> body.put("secret", secret));
                    change.publicKey().ifPresent(key -> body.put("public_key", key));
                    JsonHttp.send(ex, 200, body);
                })
                .on("POST", "/_webhooks/subscriptions/{id}/enable", (ex, p) -> {
                    UUID id = subscriptionId(p.get(0));
                    JsonHttp.body(ex, NO_FIELDS);
                    if (!ops.enableSubscription(id)) {
                        throw new HttpError(404, "no subscription " + id);
                    }
                    JsonHttp.send(ex, 200, JsonHttp.ok().put("id", id.toString()).put("enabled", true));
                })
                .on("POST", "/_webhooks/subscriptions/{id}/recover", (ex, p) -> {
                    UUID id = subscriptionId(p.get(0));
                    JsonNode body = JsonHttp.body(ex, RECOVER_FIELDS);
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
                    JsonNode body = JsonHttp.body(ex, REPLAY_FIELDS);
                    var params = JsonHttp.query(ex);
                    body.fields().forEachRemaining(f -> params.putIfAbsent(f.getKey(), f.getValue().asText()));
                    ReplayResult result = ops.replayDeadLetters(filter(params), "true".equals(params.get("all")),
                            "true".equals(params.get("force")), (done, total) -> {});
                    JsonHttp.send(ex, 200, JsonHttp.ok().put("requeued", result.requeued())
                            .put("already_replayed", result.alreadyReplayed())
                            .put("not_replayable", result.notReplayable()));
                });
    }

    private static final Set<String> NO_FIELDS = Set.of();
    private static final Set<String> ADD_FIELDS =
            Set.of("topic", "url", "secret", "strict_order", "filter", "headers", "rate_limit", "signing");
    private static final Set<String> PATCH_FIELDS = Set.of("strict_order", "filter", "headers", "rate_limit", "signing");
    private static final Set<String> RECOVER_FIELDS = Set.of("since", "until");
    private static final Set<String> TEST_FIRE_FIELDS = Set.of("topic", "payload", "key");
    private static final Set<String> REPLAY_FIELDS = Set.of("subscription", "since", "until", "all", "force");

    private static void addSubscription(HttpExchange ex, Operations ops) throws Exception {
        JsonNode body = JsonHttp.body(ex, ADD_FIELDS);
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
        boolean strictOrder = bool(body, "strict_order").orElse(false);
        SubscriptionOptions options = new SubscriptionOptions(filter(body.get("filter")), headers(body.get("headers")),
                rateLimit(body.get("rate_limit")), signing(body.get("signing")).orElse(Signing.HMAC));
        SubscriptionChange change = ops.addSubscription(topic, url, secret, strictOrder, options);
        ObjectNode answer = JsonHttp.ok().put("id", change.id().toString()).put("created", change.created());
        change.generatedSecret().ifPresent(s -> answer.put("secret", s));
        change.publicKey().ifPresent(k -> answer.put("public_key", k));
        JsonHttp.send(ex, change.created() ? 201 : 200, answer);
    }

    /** PATCH: only the fields given change; {@code null} clears an option. Topic, URL and secret stay. */
    private static void updateSubscription(HttpExchange ex, Operations ops, UUID id) throws Exception {
        JsonNode raw = JsonHttp.body(ex);
        for (String fixed : List.of("topic", "url")) {
            if (raw.has(fixed)) {
                throw new HttpError(400, fixed + ": cannot be changed; add a subscription with the new " + fixed
                        + " and remove this one");
            }
        }
        if (raw.has("secret")) {
            throw new HttpError(400, "secret: cannot be set by PATCH; POST /_webhooks/subscriptions/{id}/rotate");
        }
        JsonNode body = JsonHttp.knownFieldsOnly(raw, PATCH_FIELDS);
        SubscriptionPatch.Builder patch = SubscriptionPatch.builder();
        if (body.has("filter")) {
            patch.filter(filter(body.get("filter")));
        }
        if (body.has("headers")) {
            patch.headers(headers(body.get("headers")));
        }
        if (body.has("rate_limit")) {
            patch.rateLimit(rateLimit(body.get("rate_limit")));
        }
        bool(body, "strict_order").ifPresent(patch::strictOrder);
        signing(body.get("signing")).ifPresent(patch::signing);
        Subscription updated = ops.updateSubscription(id, patch.build())
                .orElseThrow(() -> new HttpError(404, "no subscription " + id));
        JsonHttp.send(ex, 200, JsonHttp.ok().setAll(subscriptionJson(updated)));
    }

    private static Optional<String> filter(JsonNode node) throws IOException {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isObject()) {
            throw new HttpError(400, "filter: must be a JSON object such as {\"payload.status\": \"paid\"}, or null");
        }
        return Optional.of(JsonHttp.MAPPER.writeValueAsString(node));
    }

    private static Optional<Signing> signing(JsonNode node) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw new HttpError(400, "signing: must be \"hmac\", \"ed25519\" or \"both\"");
        }
        return Optional.of(Signing.parse(node.asText()));
    }

    private static Map<String, String> headers(JsonNode node) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new HttpError(400, "headers: must be a JSON object of header names to string values, or null");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new HttpError(400, "headers: header '" + e.getKey() + "' needs a string value");
            }
            headers.put(e.getKey(), e.getValue().asText());
        }
        return headers;
    }

    private static Optional<Integer> rateLimit(JsonNode node) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw new HttpError(400, "rate_limit: must be a whole number of requests per second (1 to "
                    + SubscriptionOptions.MAX_RATE_LIMIT + "), or null for no limit");
        }
        return Optional.of(node.intValue());
    }

    private static Optional<Boolean> bool(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isBoolean()) {
            throw new HttpError(400, field + ": must be true or false");
        }
        return Optional.of(node.booleanValue());
    }

    private static void listSubscriptions(HttpExchange ex, Operations ops) throws Exception {
        ArrayNode items = JsonHttp.MAPPER.createArrayNode();
        for (Subscription s : ops.listSubscriptions()) {
            items.add(subscriptionJson(s));
        }
        JsonHttp.send(ex, 200, JsonHttp.ok().put("count", items.size()).set("items", items));
    }

    /**
     * Never a secret: the table only holds sealed ones, and they are not part of {@link Subscription}.
     * Custom headers are listed by name only: their values may be credentials, sealed like secrets.
     */
    static ObjectNode subscriptionJson(Subscription s) throws IOException {
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
        node.set("filter", s.options().filter().isPresent() ? JsonHttp.MAPPER.readTree(s.options().filter().get()) : null);
        ArrayNode headerNames = node.putArray("headers");
        s.options().headers().keySet().forEach(headerNames::add);
        node.put("rate_limit", s.options().rateLimit().orElse(null));
        node.put("signing", s.options().signing().text());
        node.put("public_key", s.publicKey().orElse(null));
        return node;
    }

    private static void testFire(HttpExchange ex, Operations ops) throws Exception {
        JsonNode body = JsonHttp.body(ex, TEST_FIRE_FIELDS);
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
