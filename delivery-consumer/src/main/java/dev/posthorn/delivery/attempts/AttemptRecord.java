package dev.posthorn.delivery.attempts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.Objects;

/**
 * One attempt to deliver an event to a subscription, as recorded on {@code <prefix>.attempts}
 * (key = event id; value = this record as JSON, see docs/internal-contracts.md).
 *
 * @param attempt        1-based attempt number (as {@code X-Attempt} said)
 * @param at             when the attempt started
 * @param durationMs     how long the request took (0 when none was made)
 * @param status         HTTP status, or null when no answer came
 * @param error          error class and message, or {@code HTTP <status>: …}; null on success
 * @param response       the first bytes of the response body (as configured), or null
 * @param resend         an operator's resend/recover (it bypassed the inbox)
 * @param eventPartition partition of {@code <prefix>.events} the event is on
 * @param eventOffset    its offset there (-1 when unknown)
 */
public record AttemptRecord(
        String eventId,
        String subscriptionId,
        String url,
        String eventTopic,
        int attempt,
        Instant at,
        long durationMs,
        AttemptOutcome outcome,
        Integer status,
        String error,
        String response,
        boolean resend,
        int eventPartition,
        long eventOffset) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public AttemptRecord {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(subscriptionId, "subscriptionId");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(outcome, "outcome");
    }

    public byte[] toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("event_id", eventId);
        n.put("subscription", subscriptionId);
        n.put("url", url);
        n.put("topic", eventTopic);
        n.put("attempt", attempt);
        n.put("at", at.toString());
        n.put("duration_ms", durationMs);
        n.put("outcome", outcome.wire());
        n.put("status", status);
        n.put("error", error);
        n.put("response", response);
        n.put("resend", resend);
        n.put("event_partition", eventPartition);
        n.put("event_offset", eventOffset);
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write an attempt record", e);
        }
    }

    /**
     * Reads a record value.
     *
     * @throws IllegalArgumentException when it is not an attempt record
     */
    public static AttemptRecord fromJson(byte[] value) {
        try {
            JsonNode n = JSON.readTree(value);
            return new AttemptRecord(
                    n.path("event_id").asText(),
                    n.path("subscription").asText(),
                    text(n, "url"),
                    text(n, "topic"),
                    n.path("attempt").asInt(),
                    Instant.parse(n.path("at").asText()),
                    n.path("duration_ms").asLong(),
                    AttemptOutcome.parse(n.path("outcome").asText()),
                    n.path("status").isNumber() ? n.get("status").asInt() : null,
                    text(n, "error"),
                    text(n, "response"),
                    n.path("resend").asBoolean(false),
                    n.path("event_partition").asInt(-1),
                    n.path("event_offset").asLong(-1));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not an attempt record: " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
