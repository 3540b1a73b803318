package dev.posthorn.app.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.posthorn.app.attempts.DeliveryLog;
import dev.posthorn.delivery.DeliveryHeaders;
import dev.posthorn.delivery.Redelivery;
import dev.posthorn.delivery.Topics;
import dev.posthorn.delivery.subscriptions.TopicPattern;
import dev.posthorn.outbox.Outbox;
import dev.posthorn.outbox.Subscription;
import dev.posthorn.outbox.SubscriptionChange;
import dev.posthorn.outbox.SubscriptionOptions;
import dev.posthorn.outbox.SubscriptionPatch;
import dev.posthorn.outbox.Subscriptions;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What an operator can do, shared by the admin API and the CLI: manage subscriptions, fire a test
 * event through the real pipeline, list and replay dead letters, recover a subscription's events.
 */
public final class Operations {

    /** Upper bound for reading a retained topic to its end; a scan that takes longer is reported, not hung. */
    private static final Duration SCAN_TIMEOUT = Duration.ofMinutes(30);

    private final Outbox outbox;
    private final DataSource dataSource;
    private final Subscriptions subscriptions;
    private final String kafkaBootstrap;
    private final Topics topics;
    private final Clock clock;

    public Operations(Outbox outbox, DataSource dataSource, String kafkaBootstrap, String topicPrefix, Clock clock) {
        this.outbox = outbox;
        this.dataSource = dataSource;
        this.subscriptions = outbox.subscriptions(dataSource);
        this.kafkaBootstrap = kafkaBootstrap;
        this.topics = new Topics(topicPrefix);
        this.clock = clock;
    }

    public SubscriptionChange addSubscription(String topic, String url, Optional<String> secret, boolean strictOrder)
            throws SQLException {
        return subscriptions.add(topic, url, secret, strictOrder);
    }

    public SubscriptionChange addSubscription(String topic, String url, Optional<String> secret, boolean strictOrder,
            SubscriptionOptions options) throws SQLException {
        return subscriptions.add(topic, url, secret, strictOrder, options);
    }

    /** Changes options (not topic, URL or secret); empty when there is no such subscription. */
    public Optional<Subscription> updateSubscription(UUID id, SubscriptionPatch patch) throws SQLException {
        return subscriptions.update(id, patch);
    }

    public List<Subscription> listSubscriptions() throws SQLException {
        return subscriptions.list();
    }

    public boolean removeSubscription(UUID id) throws SQLException {
        return subscriptions.remove(id);
    }

    public Optional<SubscriptionChange> rotateSubscription(UUID id) throws SQLException {
        return subscriptions.rotate(id);
    }

    public boolean enableSubscription(UUID id) throws SQLException {
        return subscriptions.enable(id);
    }

    /** Disables a subscription and, when it was enabled, announces it as {@code posthorn.subscription.disabled}. */
    public boolean disableSubscription(UUID id, String reason) throws SQLException {
        Optional<Subscription> before = reason == null || reason.isBlank() ? Optional.empty() : subscriptions.get(id);
        if (before.isPresent() && before.get().enabled()) {
            Map<String, Object> payload = new java.util.LinkedHashMap<>();
            payload.put("id", id.toString());
            payload.put("url", before.get().url());
            payload.put("reason", reason);
            payload.put("cause", "operator");
            payload.put("at", clock.instant().toString());
            publishAlone("posthorn.subscription.disabled", id.toString(), payload);
        }
        return subscriptions.disable(id, reason);
    }

    public List<String> validSecrets(UUID id) throws SQLException {
        return subscriptions.validSecrets(id, clock.instant());
    }

    /**
     * Publishes through outbox-writer in a transaction of its own, so it travels the real pipeline.
     * Without a {@code key} each event gets a fresh one: a shared key would queue every test event
     * behind the previous one (one request per subscription and key at a time).
     */
    public UUID testFire(String topic, String key, JsonNode payload) throws SQLException {
        return publishAlone(topic, keyOrFresh(key), payload);
    }

    /** Publishes JSON text as an event (the CLI's {@code publish}); a null key means a fresh one. */
    public UUID publish(String topic, String key, String payloadJson) throws SQLException {
        return publishAlone(topic, keyOrFresh(key), payloadJson);
    }

    private static String keyOrFresh(String key) {
        return key == null || key.isBlank() ? UUID.randomUUID().toString() : key;
    }

    private UUID publishAlone(String topic, String key, Object payload) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                UUID id = outbox.publish(c, topic, key, payload);
                c.commit();
                return id;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    public long pruneOutbox(Duration olderThan) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            return outbox.prune(c, olderThan);
        }
    }

    /** Dead letters per page at most. */
    public static final int MAX_PAGE = 1000;
    /**
     * Header of the record a replay writes to the DLQ next to each letter it re-queued
     * ({@code <partition>:<offset>} of that letter), so a later replay does not re-queue it again.
     */
    static final String REPLAYED_HEADER = "posthorn.replayed";

    /**
     * One page of matching dead letters, read partition by partition from {@code cursor} (null: from
     * the start) and no further than it takes to fill the page.
     */
    public DeadLetterPage listDeadLetters(DeadLetterFilter filter, int limit, String cursor) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new IllegalArgumentException("limit: must be between 1 and " + MAX_PAGE);
        }
        TopicScan.Position from = cursor == null ? TopicScan.Position.START : TopicScan.Position.parse(cursor);
        List<DeadLetter> items = new ArrayList<>();
        TopicScan.Position next = TopicScan.scanFrom(kafkaBootstrap, topics.deadLetters(), from, SCAN_TIMEOUT, record -> {
            DeadLetter letter = matchingLetter(record, filter);
            if (letter != null) {
                items.add(letter);
            }
            return items.size() < limit;
        });
        return new DeadLetterPage(items, Optional.ofNullable(next).map(TopicScan.Position::toString));
    }

    /**
     * Re-queues matching dead letters onto retry tier 1 (due now); the inbox still suppresses
     * duplicates. A replay names what it re-queues: a filter, or {@code all} for every dead letter.
     * A letter re-queued by an earlier replay is left alone unless {@code force}.
     */
    public ReplayResult replayDeadLetters(DeadLetterFilter filter, boolean all, boolean force, Progress progress) {
        if (filter.isEmpty() && !all) {
            throw new IllegalArgumentException(
                    "replay: name what to replay (subscription, since, until), or ask for all of it explicitly (all)");
        }
        Set<String> replayed = new HashSet<>();
        TopicScan.scan(kafkaBootstrap, List.of(topics.deadLetters()), Instant.EPOCH, SCAN_TIMEOUT, (done, total) -> {},
                record -> {
                    String of = TopicScan.header(record, REPLAYED_HEADER);
                    if (of != null) {
                        replayed.add(of);
                    }
                });
        long[] skipped = new long[2];
        long requeued = requeue((send, retryPartitions, now) -> scanDeadLetters(filter, (record, letter) -> {
            String position = record.partition() + ":" + record.offset();
            if (letter.subscriptionId() == null) {
                skipped[1]++;
            } else if (replayed.contains(position) && !force) {
                skipped[0]++;
            } else {
                send.accept(Redelivery.replay(record, topics, retryPartitions, now));
                ProducerRecord<byte[], byte[]> mark = new ProducerRecord<>(topics.deadLetters(), record.partition(),
                        record.key(), new byte[0]);
                mark.headers().add(REPLAYED_HEADER, position.getBytes(StandardCharsets.UTF_8));
                send.accept(mark);
            }
        }, progress));
        return new ReplayResult(requeued / 2, skipped[0], skipped[1]);
    }

    /**
     * Re-delivers to one subscription every matching event still retained on {@code <prefix>.events}
     * created in {@code [since, until]}, bypassing the inbox; receivers see {@code X-Posthorn-Recovery}.
     */
    public long recover(UUID subscriptionId, Instant since, Instant until, Progress progress) throws SQLException {
        Subscription subscription = subscriptions.get(subscriptionId)
                .orElseThrow(() -> new IllegalArgumentException("subscription: no subscription " + subscriptionId));
        if (until.isBefore(since)) {
            throw new IllegalArgumentException("until: must not be before since");
        }
        return requeue((send, retryPartitions, now) -> TopicScan.scan(kafkaBootstrap, List.of(topics.events()), since,
                SCAN_TIMEOUT, progress, record -> {
                    String topic = TopicScan.header(record, DeliveryHeaders.TOPIC);
                    String createdAt = TopicScan.header(record, DeliveryHeaders.CREATED_AT);
                    if (topic == null || !TopicPattern.matches(subscription.topic(), topic)) {
                        return;
                    }
                    Instant created = createdAt == null ? Instant.ofEpochMilli(record.timestamp()) : Instant.parse(createdAt);
                    if (!created.isBefore(since) && !created.isAfter(until)) {
                        send.accept(Redelivery.recover(record, subscriptionId.toString(), topics, retryPartitions, now));
                    }
                }));
    }

    /** Look-ups in the delivery log ({@code <prefix>.attempts}): an event's timeline, a subscription's attempts. */
    public DeliveryLog deliveryLog() {
        return new DeliveryLog(kafkaBootstrap, topics, subscriptions::list);
    }

    /**
     * Delivers one event once more to one subscription, bypassing the inbox: one new chain of
     * attempts, marked as a resend in the delivery log (receivers see {@code X-Posthorn-Recovery}).
     *
     * @return false when the event is unknown or no longer retained on {@code <prefix>.events}
     * @throws IllegalArgumentException when the subscription does not exist (naming it)
     */
    public boolean resend(UUID eventId, UUID subscriptionId) throws SQLException {
        subscriptions.get(subscriptionId)
                .orElseThrow(() -> new IllegalArgumentException("subscription: no subscription " + subscriptionId));
        Optional<ConsumerRecord<byte[], byte[]>> event = deliveryLog().eventRecord(eventId);
        if (event.isEmpty()) {
            return false;
        }
        requeue((send, retryPartitions, now) ->
                send.accept(Redelivery.recover(event.get(), subscriptionId.toString(), topics, retryPartitions, now)));
        return true;
    }

    /** Where a scan hands the records it re-queues, with the retry tier's partition count and one "now". */
    private interface RequeueScan {
        void run(Consumer<ProducerRecord<byte[], byte[]>> send, int retryPartitions, Instant now);
    }

    /** Runs a scan that re-queues records onto retry tier 1; counts them once the broker acknowledged all. */
    private long requeue(RequeueScan scan) {
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            int retryPartitions = producer.partitionsFor(topics.retry(1)).size();
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            scan.run(record -> sent.add(producer.send(record)), retryPartitions, clock.instant());
            return awaitAll(producer, sent);
        }
    }

    private interface DeadLetterVisitor {
        void visit(ConsumerRecord<byte[], byte[]> record, DeadLetter letter);
    }

    private void scanDeadLetters(DeadLetterFilter filter, DeadLetterVisitor visitor, Progress progress) {
        TopicScan.scan(kafkaBootstrap, List.of(topics.deadLetters()), Instant.EPOCH, SCAN_TIMEOUT, progress, record -> {
            DeadLetter letter = matchingLetter(record, filter);
            if (letter != null) {
                visitor.visit(record, letter);
            }
        });
    }

    /** The dead letter in {@code record} if it is one (not a replay mark) and matches {@code filter}, else null. */
    private static DeadLetter matchingLetter(ConsumerRecord<byte[], byte[]> record, DeadLetterFilter filter) {
        if (TopicScan.header(record, REPLAYED_HEADER) != null) {
            return null;
        }
        DeadLetter letter = deadLetter(record);
        if (filter.subscription().isPresent()
                && !filter.subscription().get().toString().equals(letter.subscriptionId())) {
            return null;
        }
        Instant at = letter.deadLetteredAt() == null
                ? Instant.ofEpochMilli(record.timestamp())
                : Instant.parse(letter.deadLetteredAt());
        if (filter.since().isPresent() && at.isBefore(filter.since().get())) {
            return null;
        }
        if (filter.until().isPresent() && at.isAfter(filter.until().get())) {
            return null;
        }
        return letter;
    }

    private static DeadLetter deadLetter(ConsumerRecord<byte[], byte[]> record) {
        String attempts = TopicScan.header(record, DeliveryHeaders.ATTEMPTS);
        return new DeadLetter(
                TopicScan.header(record, DeliveryHeaders.EVENT_ID),
                TopicScan.header(record, DeliveryHeaders.SUBSCRIPTION_ID),
                TopicScan.header(record, DeliveryHeaders.TOPIC),
                TopicScan.header(record, DeliveryHeaders.REASON),
                attempts == null ? 0 : Integer.parseInt(attempts.strip()),
                TopicScan.header(record, DeliveryHeaders.LAST_STATUS),
                TopicScan.header(record, DeliveryHeaders.LAST_ERROR),
                TopicScan.header(record, DeliveryHeaders.FIRST_ATTEMPT_AT),
                TopicScan.header(record, DeliveryHeaders.LAST_ATTEMPT_AT),
                TopicScan.header(record, DeliveryHeaders.DEAD_LETTERED_AT),
                record.partition(),
                record.offset());
    }

    private KafkaProducer<byte[], byte[]> producer() {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", kafkaBootstrap);
        config.put("acks", "all");
        config.put("enable.idempotence", "true");
        config.put("linger.ms", "5");
        config.put("client.id", "posthorn-ops");
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Counts a record only once the broker acknowledged it. */
    private static long awaitAll(KafkaProducer<byte[], byte[]> producer, List<Future<RecordMetadata>> sent) {
        producer.flush();
        for (Future<RecordMetadata> f : sent) {
            try {
                f.get(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Kafka to acknowledge", e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("Kafka did not acknowledge a re-queued record: " + e.getMessage(), e);
            }
        }
        return sent.size();
    }
}
