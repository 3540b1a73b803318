package dev.posthorn.delivery.operational;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.posthorn.delivery.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What the delivery consumer tells the relay so that it publishes Posthorn's operational events
 * ({@code posthorn.subscription.disabled}, {@code posthorn.delivery.dead_lettered}) through the
 * outbox: control records on {@code <prefix>.control} (docs/internal-contracts.md). Deliveries of
 * operational events themselves never cause one (no loops).
 */
public final class OperationalNotices {

    /** Topics of Posthorn's own operational events start with this. */
    public static final String OPERATIONAL_TOPIC_PREFIX = "posthorn.";
    /** Header on a control {@code disable} record: {@code false} when no operational event may follow it. */
    public static final String NOTIFY_HEADER = "posthorn.notify";

    private static final ObjectMapper JSON = new ObjectMapper();

    private OperationalNotices() {}

    /** Whether an event is one of Posthorn's operational events (its failures are never announced). */
    public static boolean isOperational(String eventTopic) {
        return eventTopic != null && eventTopic.startsWith(OPERATIONAL_TOPIC_PREFIX);
    }

    /** Marks a control {@code disable} record as caused by an operational event: the relay announces nothing. */
    public static ProducerRecord<byte[], byte[]> quiet(ProducerRecord<byte[], byte[]> disable) {
        disable.headers().add(NOTIFY_HEADER, "false".getBytes(StandardCharsets.UTF_8));
        return disable;
    }

    /** A control record asking the relay to publish {@code posthorn.delivery.dead_lettered}. */
    public static ProducerRecord<byte[], byte[]> deadLettered(Topics topics, String eventId, String eventTopic,
            String subscriptionId, String reason, int attempts, Integer lastStatus, String lastError, Instant at) {
        ObjectNode value = JSON.createObjectNode()
                .put("action", "dead_lettered")
                .put("subscription_id", subscriptionId)
                .put("event_id", eventId)
                .put("topic", eventTopic)
                .put("reason", reason)
                .put("attempts", attempts)
                .put("last_status", lastStatus)
                .put("last_error", lastError)
                .put("at", at.toString());
        try {
            return new ProducerRecord<>(topics.control(), null, null,
                    subscriptionId.getBytes(StandardCharsets.UTF_8), JSON.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a control record", e);
        }
    }
}
