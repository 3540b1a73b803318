package dev.posthorn.app.ops;

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
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a topic from a start time up to the end offsets it had when the scan began, without a
 * consumer group (an operator's look never moves the services' offsets).
 */
final class TopicScan {

    private static final Duration POLL = Duration.ofMillis(500);

    private TopicScan() {}

    static long scan(String bootstrap, String topic, Instant from, Progress progress,
            Consumer<ConsumerRecord<byte[], byte[]>> visitor) {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", bootstrap);
        config.put("enable.auto.commit", "false");
        config.put("isolation.level", "read_committed");
        config.put("client.id", "posthorn-ops-scan");
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " does not exist (is the service running?)");
            }
            List<TopicPartition> partitions = new ArrayList<>();
            infos.forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
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
            progress.update(0, total);
            while (!remaining.isEmpty()) {
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
}
