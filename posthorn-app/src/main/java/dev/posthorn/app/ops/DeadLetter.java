package dev.posthorn.app.ops;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.posthorn.app.http.JsonHttp;

/** One record of {@code <prefix>.dlq} as an operator sees it (never the payload, never a secret). */
public record DeadLetter(
        String eventId,
        String subscriptionId,
        String topic,
        String reason,
        int attempts,
        String lastStatus,
        String lastError,
        String firstAttemptAt,
        String lastAttemptAt,
        String deadLetteredAt,
        int partition,
        long offset) {

    public ObjectNode toJson() {
        return JsonHttp.object()
                .put("event_id", eventId)
                .put("subscription_id", subscriptionId)
                .put("topic", topic)
                .put("reason", reason)
                .put("attempts", attempts)
                .put("last_status", lastStatus)
                .put("last_error", lastError)
                .put("first_attempt_at", firstAttemptAt)
                .put("last_attempt_at", lastAttemptAt)
                .put("dead_lettered_at", deadLetteredAt)
                .put("partition", partition)
                .put("offset", offset);
    }
}
