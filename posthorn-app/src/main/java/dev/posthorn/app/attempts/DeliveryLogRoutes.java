package dev.posthorn.app.attempts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.posthorn.app.http.JsonHttp;
import dev.posthorn.app.http.JsonHttp.HttpError;
import dev.posthorn.app.http.QueryParams;
import dev.posthorn.app.http.Router;
import dev.posthorn.app.ops.Operations;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The admin API's delivery log: {@code GET /_webhooks/events/{id}}, {@code POST
 * /_webhooks/events/{id}/resend} and {@code GET /_webhooks/subscriptions/{id}/attempts}.
 */
public final class DeliveryLogRoutes {

    private DeliveryLogRoutes() {}

    /** Adds the routes to {@code router} and returns it. */
    public static Router register(Router router, Operations ops, MeterRegistry meters) {
        Timer lookups = Timer.builder("posthorn.delivery.log.lookup")
                .description("time to answer GET /_webhooks/events/{id}").publishPercentiles(0.5, 0.99).register(meters);
        return router
                .on("GET", "/_webhooks/events/{id}", (ex, p) -> {
                    UUID id = eventId(p.get(0));
                    long start = System.nanoTime();
                    Optional<EventTimeline> found;
                    try {
                        found = lookUp(ops, id);
                    } finally {
                        lookups.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
                    }
                    EventTimeline timeline = found.orElseThrow(() -> notFound(id));
                    JsonHttp.send(ex, 200, timeline.toJson());
                })
                .on("POST", "/_webhooks/events/{id}/resend", (ex, p) -> {
                    UUID id = eventId(p.get(0));
                    JsonNode body = JsonHttp.body(ex);
                    JsonNode sub = body.get("subscription");
                    if (sub == null || !sub.isTextual() || sub.asText().isBlank()) {
                        throw new HttpError(400, "subscription: required (the id to resend to)");
                    }
                    UUID subscription = uuid(sub.asText().trim(), "subscription");
                    if (!resend(ops, id, subscription)) {
                        throw notFound(id);
                    }
                    JsonHttp.send(ex, 202, JsonHttp.ok().put("event_id", id.toString())
                            .put("subscription", subscription.toString()).put("resend", true));
                })
                .on("GET", "/_webhooks/subscriptions/{id}/attempts", (ex, p) -> {
                    UUID subscription = uuid(URLDecoder.decode(p.get(0), StandardCharsets.UTF_8), "subscription");
                    Map<String, String> q = JsonHttp.query(ex);
                    AttemptFilter filter = new AttemptFilter(QueryParams.instant(q.get("since"), "since"),
                            QueryParams.instant(q.get("until"), "until"), AttemptFilter.outcomes(q.get("outcome")));
                    AttemptPage page = ops.deliveryLog().subscriptionAttempts(subscription, filter,
                            QueryParams.limit(q.get("limit"), 1000), QueryParams.blankToNull(q.get("cursor")));
                    ArrayNode items = JsonHttp.MAPPER.createArrayNode();
                    page.items().forEach(a -> items.add(EventTimeline.attemptJson(a)
                            .put("event_id", a.eventId()).put("topic", a.eventTopic())));
                    JsonHttp.send(ex, 200, JsonHttp.ok().put("subscription", subscription.toString())
                            .put("count", items.size()).<ObjectNode>set("items", items)
                            .put("next_cursor", page.nextCursor().orElse(null)));
                });
    }

    private static Optional<EventTimeline> lookUp(Operations ops, UUID id) throws Exception {
        try {
            return ops.deliveryLog().event(id);
        } catch (IllegalArgumentException e) { // not a UUIDv7: no event of ours has that id
            throw new HttpError(404, "no event " + id + ": " + e.getMessage().replaceFirst("^id: \\S+ ", ""));
        }
    }

    private static boolean resend(Operations ops, UUID id, UUID subscription) throws Exception {
        if (dev.posthorn.app.attempts.DeliveryLog.createdAt(id).isEmpty()) {
            throw new HttpError(404, "no event " + id + ": not a Posthorn event id (those are time-ordered UUIDv7)");
        }
        return ops.resend(id, subscription);
    }

    private static HttpError notFound(UUID id) {
        return new HttpError(404, "no event " + id + " (unknown, or older than what the events and attempts topics"
                + " retain)");
    }

    private static UUID eventId(String raw) {
        String text = URLDecoder.decode(raw, StandardCharsets.UTF_8);
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw new HttpError(404, "no event " + text + " (not an event id)");
        }
    }

    private static UUID uuid(String text, String field) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, field + ": not an id: " + text);
        }
    }
}
