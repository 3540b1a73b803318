package dev.posthorn.delivery.inbox;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import dev.posthorn.delivery.FollowerThread;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The markers of {@code <prefix>.inbox} for the partitions this instance works on, in memory.
 * A marker {@code <subscriptionId>:<eventId>} says the delivery got a 2xx; it lives in the inbox
 * partition equal to the event's partition, so an instance loads only the slice it needs. A thread
 * of its own (owning its consumer) loads newly assigned partitions from the beginning, up to the end
 * they had when assigned, and then stops reading them: from then on this instance owns the event
 * partition and is the only writer of the slice, and {@link #add} applies its own markers directly
 * (re-reading each of them from Kafka cost a deserialisation and a map update per delivery). Markers
 * of the previous owner are in the slice by then: a revoke completes, markers acknowledged, before the
 * partition is assigned anew. Markers older than the dedupe window count as absent (the topic's
 * retention deletes them as well).
 *
 * <p>Memory: ids that are UUIDs (all of Posthorn's) are held as four longs; see the module's
 * report for the measured bytes per marker.
 */
public final class InboxStore implements AutoCloseable {

    /** Bound on one offsets request: a broker outage is reported and retried, never waited out. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(InboxStore.class);
    private static final Duration EVICT_EVERY = Duration.ofMinutes(1);
    private static final Duration IDLE_WAIT = Duration.ofMillis(50);

    private final String topic;
    private final Map<String, Object> consumerProperties;
    private final Duration window;
    private final Clock clock;
    private final Map<Integer, Map<Object, Long>> slices = new ConcurrentHashMap<>();
    private final Set<Integer> ready = ConcurrentHashMap.newKeySet();
    private volatile Set<Integer> wanted = Set.of();
    private final FollowerThread follower = new FollowerThread("posthorn-inbox");

    public InboxStore(String topic, Map<String, Object> consumerProperties, Duration window, Clock clock) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.consumerProperties = Map.copyOf(consumerProperties);
        this.window = Objects.requireNonNull(window, "window");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The marker key of a delivery. */
    public static String key(String subscriptionId, String eventId) {
        return subscriptionId + ":" + eventId;
    }

    public void start() {
        follower.start(this::follow);
    }

    /** Sets the inbox partitions to hold; new ones are loaded, dropped ones forgotten. */
    public void assign(Set<Integer> partitions) {
        wanted = Set.copyOf(partitions);
    }

    /** True once {@code partition} was read up to the end it had when it was assigned. */
    public boolean isReady(int partition) {
        return ready.contains(partition);
    }

    /** True when a marker younger than the dedupe window exists for this delivery. */
    public boolean contains(int partition, String subscriptionId, String eventId) {
        Map<Object, Long> slice = slices.get(partition);
        if (slice == null) {
            return false;
        }
        Long at = slice.get(compact(subscriptionId, eventId));
        return at != null && at > clock.millis() - window.toMillis();
    }

    /** Adds a marker this instance just wrote and saw acknowledged. */
    public void add(int partition, String subscriptionId, String eventId, Instant at) {
        Map<Object, Long> slice = slices.get(partition);
        if (slice != null) {
            slice.put(compact(subscriptionId, eventId), at.toEpochMilli());
        }
    }

    /** Markers held in memory. */
    public long size() {
        long n = 0;
        for (Map<Object, Long> slice : slices.values()) {
            n += slice.size();
        }
        return n;
    }

    private void follow() {
        Set<Integer> current = new HashSet<>();
        Map<TopicPartition, Long> loading = new HashMap<>();
        Instant nextEviction = clock.instant().plus(EVICT_EVERY);
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(consumerProperties, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            while (follower.running()) {
                try {
                    if (!followOnce(consumer, current, loading)) {
                        continue;
                    }
                    if (!clock.instant().isBefore(nextEviction)) {
                        evictExpired();
                        nextEviction = clock.instant().plus(EVICT_EVERY);
                    }
                    follower.succeeded();
                } catch (WakeupException e) {
                    throw e;
                } catch (KafkaException e) {
                    follower.failed("following " + topic, e);
                }
            }
        } catch (RuntimeException e) {
            if (follower.running()) {
                log.error("Stopped following {}: duplicates are no longer suppressed for new assignments", topic, e);
            }
        }
    }

    /** One step: follow the assignment, apply new markers, mark loaded slices; false when nothing is assigned. */
    private boolean followOnce(KafkaConsumer<byte[], byte[]> consumer, Set<Integer> current,
                               Map<TopicPartition, Long> loading) {
        Set<Integer> target = wanted;
        if (!target.equals(current)) {
            reassign(consumer, current, target, loading);
        }
        if (current.isEmpty()) {
            // Nothing assigned yet (or any more): wait for the poll thread to hand us partitions.
            LockSupport.parkNanos(IDLE_WAIT.toNanos());
            return false;
        }
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
            apply(record);
        }
        if (!loading.isEmpty()) {
            var it = loading.entrySet().iterator();
            while (it.hasNext()) {
                var e = it.next();
                if (consumer.position(e.getKey(), REQUEST_TIMEOUT) >= e.getValue()) {
                    ready.add(e.getKey().partition());
                    consumer.pause(List.of(e.getKey()));
                    log.debug("Inbox partition {} loaded", e.getKey());
                    it.remove();
                }
            }
        }
        return true;
    }

    /** What keeps the inbox from following its topic (a broker outage), or null while it follows. */
    public String problem() {
        return follower.problem();
    }

    private void reassign(KafkaConsumer<byte[], byte[]> consumer, Set<Integer> current, Set<Integer> target,
                          Map<TopicPartition, Long> loading) {
        List<TopicPartition> added = new ArrayList<>();
        for (Integer p : target) {
            if (!current.contains(p)) {
                added.add(new TopicPartition(topic, p));
                slices.put(p, newSlice());
            }
        }
        for (Integer p : current) {
            if (!target.contains(p)) {
                ready.remove(p);
                slices.remove(p);
                loading.remove(new TopicPartition(topic, p));
            }
        }
        List<TopicPartition> all = target.stream().map(p -> new TopicPartition(topic, p)).toList();
        consumer.assign(all);
        // Loaded slices stay unread (see the class comment); only new ones are fetched.
        consumer.pause(all.stream().filter(tp -> ready.contains(tp.partition())).toList());
        if (!added.isEmpty()) {
            consumer.seekToBeginning(added);
            // May fail while the broker is away: then current stays as it was and the next step redoes this.
            loading.putAll(consumer.endOffsets(added, REQUEST_TIMEOUT));
            log.debug("Loading inbox partitions {}", added);
        }
        current.clear();
        current.addAll(target);
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        Map<Object, Long> slice = slices.get(record.partition());
        if (slice == null || record.key() == null) {
            return;
        }
        String key = new String(record.key(), StandardCharsets.UTF_8);
        int colon = key.indexOf(':');
        if (colon < 0) {
            return;
        }
        Object compact = compact(key.substring(0, colon), key.substring(colon + 1));
        if (record.value() == null) {
            slice.remove(compact);
        } else if (record.timestamp() > clock.millis() - window.toMillis()) {
            slice.merge(compact, record.timestamp(), Math::max);
        }
    }

    private void evictExpired() {
        long oldest = clock.millis() - window.toMillis();
        for (Map<Object, Long> slice : slices.values()) {
            slice.values().removeIf(at -> at <= oldest);
        }
    }

    /** Two UUIDs as four longs (a fraction of the string's size), any other id as the string key. */
    static Object compact(String subscriptionId, String eventId) {
        try {
            if (subscriptionId.length() == 36 && eventId.length() == 36) {
                UUID s = UUID.fromString(subscriptionId);
                UUID e = UUID.fromString(eventId);
                return new UuidPair(s.getMostSignificantBits(), s.getLeastSignificantBits(),
                        e.getMostSignificantBits(), e.getLeastSignificantBits());
            }
        } catch (IllegalArgumentException notUuids) {
            // fall through to the string form
        }
        return key(subscriptionId, eventId);
    }

    private record UuidPair(long s1, long s2, long e1, long e2) {}

    /** The map one inbox partition's markers live in: compact key → marker time (epoch millis). */
    static Map<Object, Long> newSlice() {
        return new ConcurrentHashMap<>();
    }

    @Override
    public void close() {
        follower.stop(Duration.ofSeconds(5));
    }
}
