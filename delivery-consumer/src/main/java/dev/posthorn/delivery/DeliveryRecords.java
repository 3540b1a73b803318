package dev.posthorn.delivery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/** Builds the records the consumer writes: inbox markers, retry and DLQ records, control records. */
final class DeliveryRecords {

    private static final ObjectMapper JSON = new ObjectMapper();

    private DeliveryRecords() {}

    /** Inbox marker, in the inbox partition equal to the event's partition; value = delivery time. */
    static ProducerRecord<byte[], byte[]> marker(Topics topics, Delivery d, Instant at) {
        return new ProducerRecord<>(topics.inbox(), d.event().partition(), at.toEpochMilli(),
                utf8(d.key()), utf8(at.toString()));
    }

    /** The delivery on retry tier {@code tier}, due at {@code dueAt}. */
    static ProducerRecord<byte[], byte[]> retry(Topics topics, Delivery d, int tier, Instant dueAt,
                                                int retryPartitions, Instant now) {
        List<Header> headers = deliveryHeaders(d);
        headers.add(header(DeliveryHeaders.DUE_AT, dueAt.toString()));
        return new ProducerRecord<>(topics.retry(tier), Math.floorMod(d.event().partition(), retryPartitions),
                now.toEpochMilli(), d.event().key(), d.event().value(), headers);
    }

    /** The delivery on the DLQ with {@code reason}. */
    static ProducerRecord<byte[], byte[]> deadLetter(Topics topics, Delivery d, String reason, int dlqPartitions,
                                                     Instant now) {
        List<Header> headers = deliveryHeaders(d);
        headers.add(header(DeliveryHeaders.REASON, reason));
        headers.add(header(DeliveryHeaders.DEAD_LETTERED_AT, now.toString()));
        return new ProducerRecord<>(topics.deadLetters(), Math.floorMod(d.event().partition(), dlqPartitions),
                now.toEpochMilli(), d.event().key(), d.event().value(), headers);
    }

    /** A record that cannot be read as an event, kept on the DLQ byte for byte with the reason. */
    static ProducerRecord<byte[], byte[]> malformed(Topics topics, byte[] key, byte[] value, Iterable<Header> original,
                                                    int partition, long offset, String reason, int dlqPartitions,
                                                    Instant now) {
        List<Header> headers = new ArrayList<>();
        for (Header h : original) {
            headers.add(h);
        }
        headers.add(header(DeliveryHeaders.EVENT_PARTITION, Integer.toString(partition)));
        headers.add(header(DeliveryHeaders.EVENT_OFFSET, Long.toString(offset)));
        headers.add(header(DeliveryHeaders.ATTEMPTS, "0"));
        headers.add(header(DeliveryHeaders.REASON, "malformed event"));
        headers.add(header(DeliveryHeaders.LAST_ERROR, reason));
        headers.add(header(DeliveryHeaders.DEAD_LETTERED_AT, now.toString()));
        return new ProducerRecord<>(topics.deadLetters(), Math.floorMod(partition, dlqPartitions), now.toEpochMilli(),
                key, value, headers);
    }

    /** The control record asking the relay to disable a subscription (docs/internal-contracts.md). */
    static ProducerRecord<byte[], byte[]> disable(Topics topics, String subscriptionId, String reason, Instant at) {
        ObjectNode value = JSON.createObjectNode();
        value.put("action", "disable");
        value.put("subscription_id", subscriptionId);
        value.put("reason", reason);
        value.put("at", at.toString());
        try {
            return new ProducerRecord<>(topics.control(), null, at.toEpochMilli(), utf8(subscriptionId),
                    JSON.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a control record", e);
        }
    }

    /** The event's own headers followed by the delivery's state. */
    static List<Header> deliveryHeaders(Delivery d) {
        List<Header> headers = new ArrayList<>(d.event().eventHeaders());
        headers.add(header(DeliveryHeaders.SUBSCRIPTION_ID, d.subscriptionId()));
        headers.add(header(DeliveryHeaders.ATTEMPTS, Integer.toString(d.attempts())));
        headers.add(header(DeliveryHeaders.EVENT_PARTITION, Integer.toString(d.event().partition())));
        headers.add(header(DeliveryHeaders.EVENT_OFFSET, Long.toString(d.event().offset())));
        if (d.firstAttemptAt() != null) {
            headers.add(header(DeliveryHeaders.FIRST_ATTEMPT_AT, d.firstAttemptAt().toString()));
        }
        if (d.lastAttemptAt() != null) {
            headers.add(header(DeliveryHeaders.LAST_ATTEMPT_AT, d.lastAttemptAt().toString()));
        }
        if (d.lastStatus() != null) {
            headers.add(header(DeliveryHeaders.LAST_STATUS, Integer.toString(d.lastStatus())));
        }
        if (d.lastError() != null) {
            headers.add(header(DeliveryHeaders.LAST_ERROR, d.lastError()));
        }
        if (d.skipInbox()) {
            headers.add(header(DeliveryHeaders.SKIP_INBOX, "true"));
        }
        return headers;
    }

    static Header header(String name, String value) {
        return new RecordHeader(name, utf8(value));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
