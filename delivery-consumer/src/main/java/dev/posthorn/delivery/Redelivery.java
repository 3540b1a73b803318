package dev.posthorn.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Records an operator tool writes to make the running delivery consumers deliver something again.
 * Both land on {@code <prefix>.retry.1}, due at once, for one subscription; the consumers then
 * treat them like any retry (signing with the subscription's current secret, full tier budget,
 * DLQ when it runs out). The caller produces the record and waits for the acknowledgement.
 */
public final class Redelivery {

    private Redelivery() {}

    /**
     * Re-queues a DLQ record: same key, value and event headers, same subscription, attempt count
     * carried on (so {@code X-Attempt} keeps rising); the dead-letter reason is dropped.
     *
     * @param retryPartitions partition count of {@code <prefix>.retry.1} (the record goes to the
     *                        partition matching its event's inbox slice)
     */
    public static ProducerRecord<byte[], byte[]> replay(ConsumerRecord<byte[], byte[]> dlqRecord, Topics topics,
                                                        int retryPartitions, Instant now) {
        Objects.requireNonNull(dlqRecord, "dlqRecord");
        String subscriptionId = header(dlqRecord.headers(), DeliveryHeaders.SUBSCRIPTION_ID);
        if (subscriptionId == null) {
            throw new IllegalArgumentException("record " + dlqRecord.topic() + "-" + dlqRecord.partition() + "@"
                    + dlqRecord.offset() + " has no " + DeliveryHeaders.SUBSCRIPTION_ID
                    + " header (a malformed event cannot be replayed)");
        }
        List<Header> headers = new ArrayList<>();
        for (Header h : dlqRecord.headers()) {
            if (!h.key().equals(DeliveryHeaders.REASON) && !h.key().equals(DeliveryHeaders.DEAD_LETTERED_AT)
                    && !h.key().equals(DeliveryHeaders.DUE_AT)) {
                headers.add(h);
            }
        }
        return toRetry(dlqRecord, headers, topics, retryPartitions, now);
    }

    /**
     * Delivers an event once more to one subscription even though the inbox says it was delivered
     * (operator "recover", e.g. after a subscriber lost data).
     *
     * @param eventRecord a record of {@code <prefix>.events}, or a DLQ/retry record of the same event
     */
    public static ProducerRecord<byte[], byte[]> recover(ConsumerRecord<byte[], byte[]> eventRecord,
                                                         String subscriptionId, Topics topics, int retryPartitions,
                                                         Instant now) {
        Objects.requireNonNull(eventRecord, "eventRecord");
        Objects.requireNonNull(subscriptionId, "subscriptionId");
        boolean fromEvents = eventRecord.topic().equals(topics.events());
        List<Header> headers = new ArrayList<>();
        for (Header h : eventRecord.headers()) {
            if (!DeliveryHeaders.isDeliveryHeader(h.key())
                    || (!fromEvents && (h.key().equals(DeliveryHeaders.EVENT_PARTITION)
                    || h.key().equals(DeliveryHeaders.EVENT_OFFSET)))) {
                headers.add(h);
            }
        }
        if (fromEvents) {
            headers.add(DeliveryRecords.header(DeliveryHeaders.EVENT_PARTITION, Integer.toString(eventRecord.partition())));
            headers.add(DeliveryRecords.header(DeliveryHeaders.EVENT_OFFSET, Long.toString(eventRecord.offset())));
        }
        headers.add(DeliveryRecords.header(DeliveryHeaders.SUBSCRIPTION_ID, subscriptionId));
        headers.add(DeliveryRecords.header(DeliveryHeaders.ATTEMPTS, "0"));
        headers.add(DeliveryRecords.header(DeliveryHeaders.SKIP_INBOX, "true"));
        return toRetry(eventRecord, headers, topics, retryPartitions, now);
    }

    private static ProducerRecord<byte[], byte[]> toRetry(ConsumerRecord<byte[], byte[]> source, List<Header> headers,
                                                          Topics topics, int retryPartitions, Instant now) {
        if (retryPartitions < 1) {
            throw new IllegalArgumentException("retryPartitions must be at least 1");
        }
        headers.add(DeliveryRecords.header(DeliveryHeaders.DUE_AT, now.toString()));
        String partitionText = null;
        for (Header h : headers) {
            if (h.key().equals(DeliveryHeaders.EVENT_PARTITION)) {
                partitionText = new String(h.value(), StandardCharsets.UTF_8);
            }
        }
        int eventPartition = partitionText == null ? source.partition() : Integer.parseInt(partitionText.strip());
        return new ProducerRecord<>(topics.retry(1), Math.floorMod(eventPartition, retryPartitions), now.toEpochMilli(),
                source.key(), source.value(), headers);
    }

    private static String header(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
