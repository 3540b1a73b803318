package dev.posthorn.app.attempts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.posthorn.delivery.attempts.AttemptRecord;
import java.time.Instant;
import java.util.List;

/**
 * What became of one event: the event as relayed and, per subscription, its attempts in order and
 * where the delivery stands.
 *
 * @param payload the event's payload, or null when the event record is past retention (attempts remain)
 */
public record EventTimeline(String id, String topic, Instant createdAt, JsonNode payload, List<Delivery> deliveries) {

    /** Where a delivery to one subscription stands. */
    public enum State {
        DELIVERED, RETRYING, DEAD_LETTERED, DISABLED, FILTERED, PENDING;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One subscription's deliveries of the event, oldest attempt first. */
    public record Delivery(String subscription, String url, State state, List<AttemptRecord> attempts) {}

    public ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode event = f.objectNode().put("id", id).put("topic", topic)
                .put("created_at", createdAt == null ? null : createdAt.toString());
        event.set("payload", payload);
        ArrayNode list = f.arrayNode();
        for (Delivery d : deliveries) {
            ArrayNode attempts = f.arrayNode();
            for (AttemptRecord a : d.attempts()) {
                attempts.add(attemptJson(a));
            }
            list.add(f.objectNode().put("subscription", d.subscription()).put("url", d.url())
                    .put("state", d.state().wire()).set("attempts", attempts));
        }
        ObjectNode root = f.objectNode().put("ok", true);
        root.set("event", event);
        root.set("deliveries", list);
        return root;
    }

    /** An attempt as the API shows it. */
    public static ObjectNode attemptJson(AttemptRecord a) {
        return JsonNodeFactory.instance.objectNode()
                .put("attempt", a.attempt())
                .put("at", a.at().toString())
                .put("duration_ms", a.durationMs())
                .put("status", a.status())
                .put("error", a.error())
                .put("outcome", a.outcome().wire())
                .put("resend", a.resend())
                .put("response", a.response());
    }
}
