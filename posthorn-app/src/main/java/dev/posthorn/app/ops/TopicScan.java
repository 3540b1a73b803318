package dev.posthorn.app.ops;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
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
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
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

    /** Where a partition-by-partition scan stands: the next offset to read in one partition. */
    public record Position(int partition, long offset) {
        /** The beginning of the first partition. */
        public static final Position START = new Position(0, -1);

        /** Parses {@code <partition>:<offset>} as {@link #toString()} writes it. */
        public static Position parse(String text) {
            int colon = text.indexOf(':');
            try {
                if (colon > 0) {
                    Position p = new Position(Integer.parseInt(text.substring(0, colon)), Long.parseLong(text.substring(colon + 1)));
                    if (p.partition >= 0 && p.offset >= 0) {
                        return p;
                    }
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("cursor: not a cursor this command returned: " + text);
        }

        @Override
        public String toString() {
            return partition + ":" + offset;
        }
    }

    /**
     * Reads {@code topic} one partition after another, in partition order, from {@code from} up to
     * the end offsets at start, handing each record to {@code visitor} until it answers false.
     *
     * @return where to go on after the record the visitor stopped at, or null when it saw everything
     */
    public static Position scanFrom(String bootstrap, String topic, Position from, Duration timeout,
            Predicate<ConsumerRecord<byte[], byte[]>> visitor) {
        return scanFrom(bootstrap, topic, from, Instant.EPOCH, timeout, visitor);
    }

    /**
     * As {@link #scanFrom(String, String, Position, Duration, Predicate)}, starting each partition no
     * earlier than its first record stamped at or after {@code since} (found with offsetsForTimes).
     */
    public static Position scanFrom(String bootstrap, String topic, Position from, Instant since, Duration timeout,
            Predicate<ConsumerRecord<byte[], byte[]>> visitor) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " does not exist (is the service running?)");
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition()))
                    .sorted(java.util.Comparator.comparingInt(TopicPartition::partition)).toList();
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<TopicPartition, Long> begin = new HashMap<>(consumer.beginningOffsets(partitions));
            if (since.isAfter(Instant.EPOCH)) {
                Map<TopicPartition, Long> query = new HashMap<>();
                partitions.forEach(p -> query.put(p, since.toEpochMilli()));
                Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
                partitions.forEach(p -> begin.put(p, found.get(p) == null ? end.get(p) : found.get(p).offset()));
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            for (int i = 0; i < partitions.size(); i++) {
                TopicPartition p = partitions.get(i);
                if (p.partition() < from.partition()) {
                    continue;
                }
                long start = p.partition() == from.partition() ? Math.max(from.offset(), begin.get(p)) : begin.get(p);
                long stop = end.get(p);
                if (start >= stop) {
                    continue;
                }
                consumer.assign(List.of(p));
                consumer.seek(p, start);
                while (consumer.position(p) < stop) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IllegalStateException("could not read " + p + " to the end within " + timeout);
                    }
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                        if (record.offset() >= stop) {
                            break;
                        }
                        if (!visitor.test(record)) {
                            return after(partitions.subList(i, partitions.size()), record.offset() + 1, begin, end);
                        }
                    }
                }
            }
            return null;
        }
    }

    /** The position after {@code offset} in the first of {@code partitions}, or the next partition with records. */
    private static Position after(List<TopicPartition> partitions, long offset, Map<TopicPartition, Long> begin,
            Map<TopicPartition, Long> end) {
        TopicPartition current = partitions.get(0);
        if (offset < end.get(current)) {
            return new Position(current.partition(), offset);
        }
        for (TopicPartition p : partitions.subList(1, partitions.size())) {
            if (end.get(p) > begin.get(p)) {
                return new Position(p.partition(), begin.get(p));
            }
        }
        return null;
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        return openConsumer(bootstrap, "posthorn-topic-scan", Map.of());
    }

    /** A consumer without a group for reading topics by assignment, with {@code extra} settings; the caller closes it. */
    public static KafkaConsumer<byte[], byte[]> openConsumer(String bootstrap, String clientId, Map<String, Object> extra) {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", bootstrap);
        config.put("enable.auto.commit", "false");
        config.put("isolation.level", "read_committed");
        config.put("max.poll.records", "2000");
        config.put("client.id", clientId);
        config.putAll(extra);
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** A header's value as UTF-8, or null when absent. */
    public static String header(ConsumerRecord<?, ?> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
