package dev.posthorn.delivery.attempts;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes attempt records to {@code <prefix>.attempts} with a producer of its own, fire and forget:
 * {@link #record} hands the record to the producer's buffer and returns (it never waits for the
 * broker, and waits at most {@link #MAX_BLOCK} when the buffer is full or the topic's metadata is
 * missing). The delivery's own outcome records never queue behind these, and a record that cannot
 * be written is counted and dropped: the delivery log is an aid, the delivery is what counts.
 * Thread-safe; owned and closed by the delivery service.
 */
public final class AttemptLog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AttemptLog.class);
    /** Longest {@link #record} may block (the producer's {@code max.block.ms}). */
    static final Duration MAX_BLOCK = Duration.ofMillis(100);
    private static final long LOG_EVERY = 1000;

    private final String topic;
    private final int responseBytes;
    private final KafkaProducer<byte[], byte[]> producer;
    private final AtomicLong dropped = new AtomicLong();

    /**
     * @param common        Kafka client settings (bootstrap, security)
     * @param responseBytes how many bytes of a response body each record keeps (0: none)
     */
    public AttemptLog(Map<String, Object> common, String topic, int responseBytes, String clientId) {
        this.topic = topic;
        this.responseBytes = responseBytes;
        Map<String, Object> props = new HashMap<>(common);
        props.put(ProducerConfig.ACKS_CONFIG, "1");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 8L * 1024 * 1024);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) MAX_BLOCK.toMillis());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Asks for the topic's metadata now, so the first records need not wait for it; never throws. */
    public void warmUp() {
        try {
            producer.partitionsFor(topic);
        } catch (RuntimeException e) {
            log.debug("No metadata for {} yet ({}); the first attempt records fetch it", topic, e.toString());
        }
    }

    /** Queues one record (key = event id); returns at once. */
    public void record(AttemptRecord attempt) {
        String response = attempt.response() == null || responseBytes == 0 ? null : truncate(attempt.response(), responseBytes);
        AttemptRecord kept = java.util.Objects.equals(response, attempt.response()) ? attempt : withResponse(attempt, response);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic,
                kept.eventId().getBytes(StandardCharsets.UTF_8), kept.toJson());
        try {
            producer.send(record, (metadata, e) -> {
                if (e != null) {
                    drop(e);
                }
            });
        } catch (RuntimeException e) {
            drop(e);
        }
    }

    /** Records that could not be written since start. */
    public long dropped() {
        return dropped.get();
    }

    private void drop(Exception e) {
        long n = dropped.incrementAndGet();
        if (n == 1 || n % LOG_EVERY == 0) {
            log.warn("Could not write an attempt record to {} ({} dropped so far; deliveries are not affected): {}",
                    topic, n, e.toString());
        }
    }

    private static AttemptRecord withResponse(AttemptRecord a, String response) {
        return new AttemptRecord(a.eventId(), a.subscriptionId(), a.url(), a.eventTopic(), a.attempt(), a.at(),
                a.durationMs(), a.outcome(), a.status(), a.error(), response, a.resend(), a.eventPartition(),
                a.eventOffset());
    }

    /** At most {@code max} UTF-8 bytes, never splitting a character. */
    static String truncate(String text, int max) {
        int bytes = 0;
        int i = 0;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + size > max) {
                break;
            }
            bytes += size;
            i += Character.charCount(cp);
        }
        return text.substring(0, i);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(2));
    }

    /** Sends what is buffered within {@code timeout}, then closes the producer. */
    public void close(Duration timeout) {
        producer.close(timeout);
    }
}
