package dev.posthorn.app.ops;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads topics from a start time up to the end offsets they had when the scan began, without a
 * consumer group (an operator's or the benchmark's look never moves the services' offsets).
 */
public final class TopicScan {

    private static final Duration POLL = Duration.ofMillis(200);

    private TopicScan() {}

    /**
     * Hands every record of {@code topics} from {@code from} ({@link Instant#EPOCH} = the beginning)
     * to the end offsets at start to {@code visitor}, and returns how many it handed over.
     *
     * @throws IllegalStateException when a topic does not exist or the end is not reached within {@code timeout}
     */
    public static long scan(String bootstrap, List<String> topics, Instant from, Duration timeout, Progress progress,
            Consumer<ConsumerRecord<byte[], byte[]>> visitor) {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", bootstrap);
        config.put("enable.auto.commit", "false");
        config.put("isolation.level", "read_committed");
        config.put("max.poll.records", "2000");
        config.put("client.id", "posthorn-topic-scan");
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
                if (infos == null || infos.isEmpty()) {
                    throw new IllegalStateException("topic " + topic + " does not exist (is the service running?)");
                }
                infos.forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            }
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<TopicPartition, Long> start = new HashMap<>(consumer.beginningOffsets(partitions));
            if (from.isAfter(Instant.EPOCH)) {
                Map<TopicPartition, Long> query = new HashMap<>();
                partitions.forEach(p -> query.put(p, from.toEpochMilli()));
                Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
                for (TopicPartition p : partitions) {
                    OffsetAndTimestamp at = found.get(p);
                    start.put(p, at == null ? end.get(p) : at.offset());
                }
            }
            long total = 0;
            List<TopicPartition> remaining = new ArrayList<>();
            for (TopicPartition p : partitions) {
                long count = end.get(p) - start.get(p);
                if (count > 0) {
                    consumer.seek(p, start.get(p));
                    remaining.add(p);
                    total += count;
                }
            }
            consumer.assign(remaining);
            long seen = 0;
            long deadline = System.nanoTime() + timeout.toNanos();
            progress.update(0, total);
            while (!remaining.isEmpty()) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("could not read " + remaining + " to the end within " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    TopicPartition p = new TopicPartition(record.topic(), record.partition());
                    if (record.offset() < end.get(p)) {
                        visitor.accept(record);
                        seen++;
                    }
                }
                remaining.removeIf(p -> consumer.position(p) >= end.get(p));
                consumer.assign(remaining);
                progress.update(seen, total);
            }
            return seen;
        }
    }

    /** A header's value as UTF-8, or null when absent. */
    public static String header(ConsumerRecord<?, ?> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
