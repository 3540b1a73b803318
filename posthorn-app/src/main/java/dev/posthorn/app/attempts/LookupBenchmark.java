package dev.posthorn.app.attempts;

import dev.posthorn.delivery.Topics;
import dev.posthorn.delivery.attempts.AttemptOutcome;
import dev.posthorn.delivery.attempts.AttemptRecord;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Measures {@code events show} look-ups on a large log: writes {@code events} events to a fresh
 * {@code <prefix>.events} and one delivered attempt each to {@code <prefix>.attempts}, created
 * evenly over {@code span} up to now (record times as the relay and delivery would stamp them),
 * then times look-ups of the oldest, a middle and the newest event, and of an unknown id.
 */
public final class LookupBenchmark {

    /** The figures: milliseconds per look-up (best and worst of the repeats). */
    public record Result(long events, Duration write, long[] oldMs, long[] middleMs, long[] recentMs, long[] unknownMs) {
        public String line() {
            return "LOOKUP events=" + events + " write_s=" + write.toSeconds() + " old_ms=" + range(oldMs)
                    + " middle_ms=" + range(middleMs) + " recent_ms=" + range(recentMs) + " unknown_ms=" + range(unknownMs);
        }

        private static String range(long[] ms) {
            long min = Long.MAX_VALUE;
            long max = 0;
            for (long m : ms) {
                min = Math.min(min, m);
                max = Math.max(max, m);
            }
            return min + ".." + max;
        }
    }

    private static final int PARTITIONS = 6;
    private static final int REPEATS = 3;

    private LookupBenchmark() {}

    public static Result run(String bootstrap, long events, Duration span, PrintStream out) throws Exception {
        Topics topics = new Topics("lookupbench" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topics.events(), PARTITIONS, (short) 1),
                    new NewTopic(topics.attempts(), PARTITIONS, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
        Instant end = Instant.now();
        Instant start = end.minus(span);
        long stepNanos = span.toNanos() / events;
        UUID[] kept = new UUID[3];
        long writeStart = System.nanoTime();
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", bootstrap);
        props.put("acks", "1");
        props.put("linger.ms", 20);
        props.put("batch.size", 256 * 1024);
        props.put("compression.type", "none");
        props.put("max.in.flight.requests.per.connection", 1); // offsets follow the send order per partition
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (long i = 0; i < events; i++) {
                Instant created = start.plusNanos(i * stepNanos);
                UUID id = v7(created);
                if (i == 0) {
                    kept[0] = id;
                } else if (i == events / 2) {
                    kept[1] = id;
                } else if (i == events - 1) {
                    kept[2] = id;
                }
                int partition = (int) (i % PARTITIONS);
                long offset = i / PARTITIONS;
                String key = "agg-" + (i % 1000);
                byte[] value = ("{\"created_at\":\"" + created + "\",\"payload\":{\"n\":" + i
                        + "},\"topic\":\"bench.looked_up\",\"version\":1}").getBytes(StandardCharsets.UTF_8);
                ProducerRecord<byte[], byte[]> event = new ProducerRecord<>(topics.events(), partition,
                        created.plusMillis(20).toEpochMilli(), key.getBytes(StandardCharsets.UTF_8), value);
                event.headers().add("posthorn.event_id", id.toString().getBytes(StandardCharsets.UTF_8));
                event.headers().add("posthorn.topic", "bench.looked_up".getBytes(StandardCharsets.UTF_8));
                event.headers().add("posthorn.payload_version", "1".getBytes(StandardCharsets.UTF_8));
                event.headers().add("posthorn.created_at", created.toString().getBytes(StandardCharsets.UTF_8));
                producer.send(event);
                AttemptRecord attempt = new AttemptRecord(id.toString(), "0190a000-0000-7000-8000-00000000beef",
                        "https://hooks.example.com/in", "bench.looked_up", 1, created.plusMillis(30), 12,
                        AttemptOutcome.DELIVERED, 200, null, "{\"ok\":true}", false, partition, offset);
                producer.send(new ProducerRecord<>(topics.attempts(), null, created.plusMillis(45).toEpochMilli(),
                        id.toString().getBytes(StandardCharsets.UTF_8), attempt.toJson()));
                if (i > 0 && i % 100_000 == 0) {
                    out.printf("  wrote %,d events and attempts%n", i);
                }
            }
            producer.flush();
        }
        Duration write = Duration.ofNanos(System.nanoTime() - writeStart);
        out.printf("  wrote %,d events and %,d attempt records in %d s%n", events, events, write.toSeconds());
        DeliveryLog log = new DeliveryLog(bootstrap, topics, List::of);
        UUID unknown = v7(end.minusSeconds(30));
        return new Result(events, write, time(log, kept[0], true), time(log, kept[1], true), time(log, kept[2], true),
                time(log, unknown, false));
    }

    private static long[] time(DeliveryLog log, UUID id, boolean known) throws Exception {
        long[] ms = new long[REPEATS];
        for (int r = 0; r < REPEATS; r++) {
            long t0 = System.nanoTime();
            boolean found = log.event(id).filter(t -> t.payload() != null && t.deliveries().size() == 1).isPresent();
            ms[r] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            if (found != known) {
                throw new IllegalStateException("look-up of " + id + (known ? " found no complete timeline" : " found an event"));
            }
        }
        return ms;
    }

    /** A UUIDv7 of {@code at}, as outbox-writer makes them. */
    static UUID v7(Instant at) {
        UUID random = UUID.randomUUID();
        return new UUID((at.toEpochMilli() << 16) | 0x7000L | (random.getMostSignificantBits() & 0x0FFFL),
                random.getLeastSignificantBits());
    }
}
