package dev.posthorn.delivery.attempts;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
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
    /**
     * Writes records with buffers from one shared pool: each attempt runs on a virtual thread of its
     * own, so Jackson's default per-thread pool would allocate fresh buffers (about 10 KB) per record.
     */
    private static final JsonFactory WRITER = JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build();

    public AttemptRecord {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(subscriptionId, "subscriptionId");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(outcome, "outcome");
    }

    public byte[] toJson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(384);
        try (JsonGenerator g = WRITER.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("event_id", eventId);
            g.writeStringField("subscription", subscriptionId);
            g.writeStringField("url", url);
            g.writeStringField("topic", eventTopic);
            g.writeNumberField("attempt", attempt);
            g.writeStringField("at", at.toString());
            g.writeNumberField("duration_ms", durationMs);
            g.writeStringField("outcome", outcome.wire());
            if (status == null) {
                g.writeNullField("status");
            } else {
                g.writeNumberField("status", status);
            }
            g.writeStringField("error", error);
            g.writeStringField("response", response);
            g.writeBooleanField("resend", resend);
            g.writeNumberField("event_partition", eventPartition);
            g.writeNumberField("event_offset", eventOffset);
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot write an attempt record", e);
        }
        return out.toByteArray();
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
