package dev.posthorn.delivery;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Kafka header names on Posthorn's records (UTF-8 string values).
 *
 * <p>The event headers are the relay's (docs/internal-contracts.md). Retry and DLQ records carry
 * the original event's key, value and event headers unchanged, plus the delivery headers below, so
 * a DLQ record can be re-queued exactly as it was ({@link Redelivery}).
 */
public final class DeliveryHeaders {

    // Event headers, written by the relay.
    /** Event id (UUID). */
    public static final String EVENT_ID = "posthorn.event_id";
    /** Event topic, e.g. {@code invoice.created}. */
    public static final String TOPIC = "posthorn.topic";
    /** Payload version (integer). */
    public static final String PAYLOAD_VERSION = "posthorn.payload_version";
    /** The outbox row's {@code created_at}, ISO-8601. */
    public static final String CREATED_AT = "posthorn.created_at";
    /** W3C trace context, when the outbox row had one. */
    public static final String TRACEPARENT = "traceparent";
    /**
     * How far the subscriptions topic held the relay's changes when it relayed the event:
     * {@code <partition>:<offset>[,...]}, each the offset after the last change (see {@link SubscriptionsHold}).
     */
    public static final String SUBSCRIPTIONS_THROUGH = "posthorn.subscriptions_through";

    // Delivery headers, on retry and DLQ records.
    /** The one subscription this record is for. */
    public static final String SUBSCRIPTION_ID = "posthorn.subscription_id";
    /** HTTP attempts made so far; the next attempt's {@code X-Attempt} is this plus one. */
    public static final String ATTEMPTS = "posthorn.attempts";
    /** Retry records: when the retry is due, ISO-8601 instant. */
    public static final String DUE_AT = "posthorn.due_at";
    /** First and last HTTP attempt, ISO-8601 instants (absent before the first attempt). */
    public static final String FIRST_ATTEMPT_AT = "posthorn.first_attempt_at";
    public static final String LAST_ATTEMPT_AT = "posthorn.last_attempt_at";
    /** HTTP status of the last attempt, when it got one. */
    public static final String LAST_STATUS = "posthorn.last_status";
    /** What went wrong last: {@code HTTP 500: <start of body>}, {@code timeout after PT15S}, … */
    public static final String LAST_ERROR = "posthorn.last_error";
    /** DLQ records: why the delivery was given up, e.g. {@code blocked destination}, {@code retries exhausted}. */
    public static final String REASON = "posthorn.reason";
    /** Partition and offset of the event on {@code <prefix>.events} (the inbox slice follows the partition). */
    public static final String EVENT_PARTITION = "posthorn.event_partition";
    public static final String EVENT_OFFSET = "posthorn.event_offset";
    /** DLQ records: when the record was dead-lettered, ISO-8601. */
    public static final String DEAD_LETTERED_AT = "posthorn.dead_lettered_at";
    /** {@code true}: deliver even if the inbox has a marker (operator "recover"). */
    public static final String SKIP_INBOX = "posthorn.skip_inbox";

    private DeliveryHeaders() {}

    /**
     * The relay's {@link #SUBSCRIPTIONS_THROUGH} stamp by partition, or null when the event has none (a relay
     * that does not stamp) or one that does not parse (then the event is judged by its time instead).
     */
    static Map<Integer, Long> subscriptionsThrough(Headers headers) {
        Header header = headers.lastHeader(SUBSCRIPTIONS_THROUGH);
        if (header == null || header.value() == null) {
            return null;
        }
        String value = new String(header.value(), StandardCharsets.US_ASCII);
        Map<Integer, Long> offsets = new HashMap<>();
        try {
            for (String entry : value.split(",")) {
                int colon = entry.indexOf(':');
                if (colon > 0) {
                    offsets.put(Integer.parseInt(entry.substring(0, colon)), Long.parseLong(entry.substring(colon + 1)));
                } else if (!entry.isEmpty()) {
                    return null;
                }
            }
        } catch (NumberFormatException e) {
            return null;
        }
        return offsets;
    }

    /** True for the headers this module adds (as opposed to the event's own). */
    public static boolean isDeliveryHeader(String name) {
        return switch (name) {
            case SUBSCRIPTION_ID, ATTEMPTS, DUE_AT, FIRST_ATTEMPT_AT, LAST_ATTEMPT_AT, LAST_STATUS, LAST_ERROR,
                    REASON, EVENT_PARTITION, EVENT_OFFSET, DEAD_LETTERED_AT, SKIP_INBOX -> true;
            default -> false;
        };
    }
}
