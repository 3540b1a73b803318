package dev.posthorn.outbox;

import java.util.Objects;
import java.util.Optional;

/**
 * One event to publish. Validation happens in {@link Outbox#publish(java.sql.Connection, OutboxEvent)},
 * not here, so that every problem surfaces as an {@link InvalidEventException} naming its field.
 *
 * <pre>{@code
 * OutboxEvent.of("invoice.created", invoiceId, invoice)
 *         .withTraceparent(currentTraceparent)
 *         .withPayloadVersion(2);
 * }</pre>
 *
 * @param topic          event topic, lowercase dot-separated segments such as {@code invoice.created}
 * @param key            ordering key; events with the same key reach each subscriber in order
 * @param payload        a {@code String} of JSON text, a Jackson {@code JsonNode}, or any object the
 *                       outbox's {@code ObjectMapper} serialises. Any JSON value except {@code null} is
 *                       accepted (objects are what webhook receivers usually expect)
 * @param traceparent    W3C trace context {@code 00-<32 hex>-<16 hex>-<2 hex>}, forwarded as a header
 * @param payloadVersion version of the payload's shape, at least 1; sent as {@code X-Payload-Version}
 */
public record OutboxEvent(String topic, String key, Object payload, Optional<String> traceparent, int payloadVersion) {

    /** Checks only that {@code traceparent} is an {@code Optional}; the rest is validated by {@code publish}. */
    public OutboxEvent {
        Objects.requireNonNull(traceparent, "traceparent: use Optional.empty() for none");
    }

    /** An event without traceparent, payload version 1. */
    public static OutboxEvent of(String topic, String key, Object payload) {
        return new OutboxEvent(topic, key, payload, Optional.empty(), 1);
    }

    /** This event carrying {@code traceparent}; {@code null} means none. */
    public OutboxEvent withTraceparent(String traceparent) {
        return new OutboxEvent(topic, key, payload, Optional.ofNullable(traceparent), payloadVersion);
    }

    /** This event with another payload version (at least 1, checked by {@code publish}). */
    public OutboxEvent withPayloadVersion(int payloadVersion) {
        return new OutboxEvent(topic, key, payload, traceparent, payloadVersion);
    }

    /** Keeps the payload out of logs: it may hold personal data. */
    @Override
    public String toString() {
        return "OutboxEvent[topic=" + topic + ", key=" + key + ", payloadVersion=" + payloadVersion
                + ", traceparent=" + traceparent.orElse("none") + "]";
    }
}
