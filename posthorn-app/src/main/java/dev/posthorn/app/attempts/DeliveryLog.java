package dev.posthorn.app.attempts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.posthorn.app.ops.TopicScan;
import dev.posthorn.delivery.DeliveryHeaders;
import dev.posthorn.delivery.Topics;
import dev.posthorn.delivery.attempts.AttemptOutcome;
import dev.posthorn.delivery.attempts.AttemptRecord;
import dev.posthorn.delivery.subscriptions.TopicPattern;
import dev.posthorn.outbox.Subscription;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;

/**
 * Answers "did event X reach endpoint Y?" from {@code <prefix>.attempts} and {@code <prefix>.events},
 * without scanning either whole. Event ids are UUIDv7, so an id tells when the event was created: a
 * look-up reads only the attempts partition the id hashes to (the producer's own key partitioning),
 * from {@code offsetsForTimes(created − skew)} on, and stops once every subscription that can have
 * matched has a finished chain and a grace period of records after it was read (a resend shortly
 * after shows; one much later shows on the subscription's attempts page). The event itself is read
 * at the partition and offset its attempt records carry, or, with no attempt yet, from a window of
 * {@code <prefix>.events} after its creation.
 */
public final class DeliveryLog {

    /** Clocks of the database, relay and delivery hosts may disagree by this much. */
    static final Duration SKEW = Duration.ofMinutes(1);
    /** After the last finished chain, keep reading this long (by record time) for resends and late writers. */
    static final Duration GRACE = Duration.ofMinutes(1);
    /** How long after its creation an event without attempts is looked for on the events topic. */
    static final Duration RELAY_WINDOW = Duration.ofMinutes(10);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where the subscriptions come from (the table, through outbox-writer). */
    @FunctionalInterface
    public interface SubscriptionSource {
        List<Subscription> list() throws SQLException;
    }

    private final String bootstrap;
    private final Topics topics;
    private final SubscriptionSource subscriptions;

    public DeliveryLog(String bootstrap, Topics topics, SubscriptionSource subscriptions) {
        this.bootstrap = bootstrap;
        this.topics = topics;
        this.subscriptions = subscriptions;
    }

    /** The creation time a UUIDv7 carries, or empty for any other id (not one Posthorn made). */
    public static Optional<Instant> createdAt(UUID id) {
        return id.version() == 7 ? Optional.of(Instant.ofEpochMilli(id.getMostSignificantBits() >>> 16)) : Optional.empty();
    }

    /**
     * The event's timeline, or empty when neither the event nor an attempt of it is retained.
     *
     * @throws IllegalArgumentException when the id is not a UUIDv7 (Posthorn's event ids are)
     */
    public Optional<EventTimeline> event(UUID id) throws SQLException {
        Instant created = createdAt(id).orElseThrow(() -> new IllegalArgumentException(
                "id: " + id + " is not a Posthorn event id (those are time-ordered UUIDv7)"));
        String eventId = id.toString();
        List<Subscription> subs = subscriptions.list();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<AttemptRecord> attempts = attempts(consumer, eventId, created, subs);
            ConsumerRecord<byte[], byte[]> record = attempts.stream()
                    .filter(a -> a.eventPartition() >= 0 && a.eventOffset() >= 0).findFirst()
                    .map(a -> readAt(consumer, new TopicPartition(topics.events(), a.eventPartition()), a.eventOffset(), eventId))
                    .orElse(null);
            if (record == null) {
                record = findEvent(consumer, eventId, created);
            }
            if (record == null && attempts.isEmpty()) {
                return Optional.empty();
            }
            String topic = record != null ? TopicScan.header(record, DeliveryHeaders.TOPIC) : attempts.get(0).eventTopic();
            Instant createdAt = created;
            JsonNode payload = null;
            if (record != null) {
                String createdHeader = TopicScan.header(record, DeliveryHeaders.CREATED_AT);
                createdAt = createdHeader == null ? created : Instant.parse(createdHeader);
                payload = envelopePayload(record.value());
            }
            return Optional.of(new EventTimeline(eventId, topic, createdAt, payload, deliveries(topic, created, attempts, subs)));
        }
    }

    /** The event's record on {@code <prefix>.events}, or empty when it is unknown or past retention. */
    public Optional<ConsumerRecord<byte[], byte[]>> eventRecord(UUID id) throws SQLException {
        Instant created = createdAt(id).orElseThrow(() -> new IllegalArgumentException(
                "id: " + id + " is not a Posthorn event id (those are time-ordered UUIDv7)"));
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            return Optional.ofNullable(findEvent(consumer, id.toString(), created));
        }
    }

    /**
     * A look-up moves between partitions and topics; a fetch parked at a log's end (the default 500 ms)
     * would hold up the next one on the same broker connection.
     */
    private KafkaConsumer<byte[], byte[]> consumer() {
        return TopicScan.openConsumer(bootstrap, "posthorn-event-lookup", Map.of("fetch.max.wait.ms", 10));
    }

    /** Attempts of one subscription, a page at a time, partition by partition from {@code filter.since}. */
    public AttemptPage subscriptionAttempts(UUID subscription, AttemptFilter filter, int limit, String cursor) {
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit: must be between 1 and 1000");
        }
        TopicScan.Position from = cursor == null ? TopicScan.Position.START : TopicScan.Position.parse(cursor);
        String wanted = subscription.toString();
        List<AttemptRecord> items = new ArrayList<>();
        TopicScan.Position next = TopicScan.scanFrom(bootstrap, topics.attempts(), from,
                filter.since().map(s -> s.minus(SKEW)).orElse(Instant.EPOCH), TIMEOUT, record -> {
                    AttemptRecord a = parse(record);
                    if (a != null && a.subscriptionId().equals(wanted) && filter.matches(a)) {
                        items.add(a);
                    }
                    return items.size() < limit;
                });
        return new AttemptPage(items, Optional.ofNullable(next).map(TopicScan.Position::toString));
    }

    private List<AttemptRecord> attempts(KafkaConsumer<byte[], byte[]> consumer, String eventId, Instant created,
            List<Subscription> subs) {
        List<PartitionInfo> infos = consumer.partitionsFor(topics.attempts(), Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            return List.of(); // no delivery instance ran yet
        }
        byte[] key = eventId.getBytes(StandardCharsets.UTF_8);
        TopicPartition p = new TopicPartition(topics.attempts(), Utils.toPositive(Utils.murmur2(key)) % infos.size());
        consumer.assign(List.of(p));
        long end = consumer.endOffsets(List.of(p)).get(p);
        OffsetAndTimestamp start = consumer.offsetsForTimes(Map.of(p, created.minus(SKEW).toEpochMilli())).get(p);
        if (start == null || start.offset() >= end) {
            return List.of();
        }
        consumer.seek(p, start.offset());
        List<AttemptRecord> found = new ArrayList<>();
        Map<String, AttemptOutcome> last = new HashMap<>();
        long finishedAt = -1;
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (consumer.position(p) < end) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("could not read " + p + " within " + TIMEOUT);
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                if (r.offset() >= end) {
                    break;
                }
                if (finishedAt >= 0 && r.timestamp() > finishedAt + GRACE.toMillis()) {
                    return found;
                }
                if (!Arrays.equals(r.key(), key)) {
                    continue;
                }
                AttemptRecord a = parse(r);
                if (a == null) {
                    continue;
                }
                found.add(a);
                last.put(a.subscriptionId(), a.outcome());
                finishedAt = allFinished(a.eventTopic(), created, last, subs) ? r.timestamp() : -1;
            }
        }
        return found;
    }

    /** Whether every subscription that can have matched the event has a chain that ended. */
    private static boolean allFinished(String topic, Instant created, Map<String, AttemptOutcome> last,
            List<Subscription> subs) {
        if (last.values().stream().anyMatch(o -> !o.terminal())) {
            return false;
        }
        for (Subscription s : subs) {
            if (s.enabled() && couldMatch(s, topic, created) && !last.containsKey(s.id().toString())) {
                return false;
            }
        }
        return true;
    }

    private static boolean couldMatch(Subscription s, String topic, Instant created) {
        return topic != null && TopicPattern.matches(s.topic(), topic) && !s.createdAt().isAfter(created.plus(SKEW));
    }

    private List<EventTimeline.Delivery> deliveries(String topic, Instant created, List<AttemptRecord> attempts,
            List<Subscription> subs) {
        Map<String, List<AttemptRecord>> bySubscription = new LinkedHashMap<>();
        attempts.forEach(a -> bySubscription.computeIfAbsent(a.subscriptionId(), k -> new ArrayList<>()).add(a));
        Map<String, Subscription> known = new HashMap<>();
        subs.forEach(s -> known.put(s.id().toString(), s));
        List<EventTimeline.Delivery> out = new ArrayList<>();
        bySubscription.forEach((id, list) -> {
            Subscription s = known.get(id);
            String url = s != null ? s.url() : list.get(list.size() - 1).url();
            out.add(new EventTimeline.Delivery(id, url, state(list.get(list.size() - 1).outcome()), List.copyOf(list)));
        });
        for (Subscription s : subs) {
            if (!bySubscription.containsKey(s.id().toString()) && couldMatch(s, topic, created)) {
                out.add(new EventTimeline.Delivery(s.id().toString(), s.url(),
                        s.enabled() ? EventTimeline.State.PENDING : EventTimeline.State.DISABLED, List.of()));
            }
        }
        return out;
    }

    private static EventTimeline.State state(AttemptOutcome last) {
        return switch (last) {
            case DELIVERED -> EventTimeline.State.DELIVERED;
            case RETRYING -> EventTimeline.State.RETRYING;
            case DEAD_LETTERED, BLOCKED -> EventTimeline.State.DEAD_LETTERED;
            case GONE -> EventTimeline.State.DISABLED;
            case FILTERED -> EventTimeline.State.FILTERED;
        };
    }

    private static ConsumerRecord<byte[], byte[]> readAt(KafkaConsumer<byte[], byte[]> consumer, TopicPartition p,
            long offset, String eventId) {
        consumer.assign(List.of(p));
        long begin = consumer.beginningOffsets(List.of(p)).get(p);
        if (offset < begin) {
            return null; // past retention
        }
        consumer.seek(p, offset);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() - deadline < 0) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                return r.offset() == offset && eventId.equals(TopicScan.header(r, DeliveryHeaders.EVENT_ID)) ? r : null;
            }
        }
        return null;
    }

    /** Looks for the event in the events topic's records stamped within its relay window. */
    private ConsumerRecord<byte[], byte[]> findEvent(KafkaConsumer<byte[], byte[]> consumer, String eventId,
            Instant created) {
        List<PartitionInfo> infos = consumer.partitionsFor(topics.events(), Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            return null;
        }
        List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topics.events(), i.partition())).toList();
        consumer.assign(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(p -> query.put(p, created.minus(SKEW).toEpochMilli()));
        Map<TopicPartition, OffsetAndTimestamp> start = consumer.offsetsForTimes(query);
        List<TopicPartition> remaining = new ArrayList<>();
        for (TopicPartition p : partitions) {
            OffsetAndTimestamp at = start.get(p);
            if (at != null && at.offset() < end.get(p)) {
                consumer.seek(p, at.offset());
                remaining.add(p);
            }
        }
        long stopAfter = created.plus(RELAY_WINDOW).toEpochMilli();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        consumer.assign(remaining);
        while (!remaining.isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("could not read " + remaining + " within " + TIMEOUT);
            }
            List<TopicPartition> done = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                TopicPartition p = new TopicPartition(r.topic(), r.partition());
                if (r.offset() >= end.get(p) || r.timestamp() > stopAfter) {
                    done.add(p);
                } else if (eventId.equals(TopicScan.header(r, DeliveryHeaders.EVENT_ID))) {
                    return r;
                }
            }
            remaining.removeIf(p -> done.contains(p) || consumer.position(p) >= end.get(p));
            consumer.assign(remaining);
        }
        return null;
    }

    private static JsonNode envelopePayload(byte[] value) {
        try {
            return JSON.readTree(value).get("payload");
        } catch (IOException e) {
            return null;
        }
    }

    private static AttemptRecord parse(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return null;
        }
        try {
            return AttemptRecord.fromJson(r.value());
        } catch (IllegalArgumentException e) {
            return null; // not ours to judge: skip what is not an attempt record
        }
    }
}
