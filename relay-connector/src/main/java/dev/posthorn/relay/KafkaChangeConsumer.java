package dev.posthorn.relay;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands Debezium's batches to Kafka. Each change of a batch is sent in order; then the relay waits for
 * every acknowledgement, in order, and marks a change processed only once Kafka acknowledged what it
 * became (changes that become nothing are marked when every change before them is). A failed send
 * fails the batch: nothing after it is marked, the stream stops and restarts from the last committed
 * position, so a change is never marked before its record is durable.
 *
 * <p>Except a record Kafka refuses for good ({@link #refusedForGood}: too large for the producer or the
 * topic, or invalid): re-sending it would fail the same way on every restart, the slot would never
 * advance past it and WAL would pile up. Such a change is dead-lettered instead: a small record naming
 * it and the reason goes to {@code <prefix>.relay-dlq}, and the change is marked once that record is
 * acknowledged.
 *
 * <p>Called by one Debezium thread at a time.
 */
final class KafkaChangeConsumer implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {

    private static final Logger log = LoggerFactory.getLogger(KafkaChangeConsumer.class);
    private static final long ACK_POLL_MILLIS = 100;
    private static final int WARNED_UPDATES_REMEMBERED = 10_000;

    private final Producer<byte[], byte[]> producer;
    private final ChangeMapper mapper;
    private final RelayMetrics metrics;
    private final BooleanSupplier stopRequested;
    private final Supplier<Map<Integer, Long>> subscriptionsEnd;
    /** Read from Kafka before the first batch is relayed (a failure then restarts the stream like any other). */
    private SubscriptionsWatermark watermark;
    /** Event ids whose outbox UPDATE was already logged, so each is warned about once. */
    private final Set<String> warnedUpdates = Collections.newSetFromMap(new LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > WARNED_UPDATES_REMEMBERED;
        }
    });

    KafkaChangeConsumer(Producer<byte[], byte[]> producer, ChangeMapper mapper, RelayMetrics metrics,
            Supplier<Map<Integer, Long>> subscriptionsEnd, BooleanSupplier stopRequested) {
        this.producer = producer;
        this.subscriptionsEnd = subscriptionsEnd;
        this.mapper = mapper;
        this.metrics = metrics;
        this.stopRequested = stopRequested;
    }

    private record Pending(RecordChangeEvent<SourceRecord> change, ChangeMapper.Change mapped,
            Future<RecordMetadata> ack) {}

    @Override
    public void handleBatch(List<RecordChangeEvent<SourceRecord>> records,
            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
        long started = System.nanoTime();
        if (watermark == null) {
            try {
                watermark = new SubscriptionsWatermark(subscriptionsEnd.get());
            } catch (KafkaException e) {
                throw new RelayStreamException("cannot read where the subscriptions topic ends; the stream restarts", e);
            }
        }
        Instant batchSent = metrics.observesEvents() ? metrics.now() : null;
        List<Pending> pending = new ArrayList<>(records.size());
        for (RecordChangeEvent<SourceRecord> change : records) {
            ChangeMapper.Change mapped = mapper.map(change.record());
            Future<RecordMetadata> ack = switch (mapped) {
                case ChangeMapper.Change.Event event -> {
                    event.record().headers().add(SubscriptionsWatermark.HEADER, watermark.header());
                    yield producer.send(event.record());
                }
                case ChangeMapper.Change.Subscription subscription -> {
                    // Events after it in this batch are stamped with its offset: wait for it (rare: an admin action).
                    Future<RecordMetadata> sent = producer.send(subscription.record());
                    producer.flush();
                    if (awaitAck(sent, mapped) == null) {
                        RecordMetadata metadata = acknowledgedMetadata(sent);
                        watermark.acknowledged(metadata.partition(), metadata.offset());
                    }
                    yield sent;
                }
                case ChangeMapper.Change.Malformed malformed -> producer.send(malformed.record());
                case ChangeMapper.Change.Ignored ignored -> {
                    logIgnored(ignored);
                    yield null;
                }
            };
            pending.add(new Pending(change, mapped, ack));
        }
        if (pending.stream().anyMatch(p -> p.ack() != null)) {
            // The batch is waited for below anyway: lingering after its last record only adds latency. So the
            // batch goes out now, and batching adapts to the load by itself: Debezium hands over one change
            // when idle and up to max.batch.size under load, all sent as one produce request.
            producer.flush();
        }
        long sent = System.nanoTime();
        int events = 0;
        int subscriptions = 0;
        Instant newest = null;
        for (Pending p : pending) {
            if (p.ack() != null) {
                Throwable refused = awaitAck(p);
                if (refused != null) {
                    deadLetter(p, refused);
                    committer.markProcessed(p.change());
                    continue;
                }
            }
            committer.markProcessed(p.change());
            switch (p.mapped()) {
                case ChangeMapper.Change.Event event -> {
                    events++;
                    newest = newest == null || event.createdAt().isAfter(newest) ? event.createdAt() : newest;
                    event.droppedTraceparent().ifPresent(why -> log.warn(
                            "Event {}: traceparent left out, {}; the event is relayed without it", event.eventId(), why));
                    if (batchSent != null) {
                        relayed(event, p.ack(), batchSent);
                    }
                }
                case ChangeMapper.Change.Subscription s -> subscriptions++;
                case ChangeMapper.Change.Malformed malformed -> {
                    log.warn("Outbox row {} cannot become an event ({}); sent to the relay dead-letter topic",
                            malformed.eventId(), malformed.reason());
                    metrics.malformed(malformed.eventId(), malformed.reason());
                }
                case ChangeMapper.Change.Ignored ignored -> { }
            }
        }
        committer.markBatchFinished();
        metrics.batch(records.size(), events, subscriptions, newest);
        if (log.isDebugEnabled()) {
            log.debug("Batch of {} changes ({} events): mapped and sent in {} µs, acknowledged and marked in {} µs",
                    records.size(), events, (sent - started) / 1000, (System.nanoTime() - sent) / 1000);
        }
    }

    /** The metadata of a send {@link #awaitAck} saw acknowledged. */
    private static RecordMetadata acknowledgedMetadata(Future<RecordMetadata> acknowledged) throws InterruptedException {
        try {
            return acknowledged.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("an acknowledged send failed", e.getCause());
        }
    }

    /** Tells the listener about one acknowledged event (its future is complete by now). */
    private void relayed(ChangeMapper.Change.Event event, Future<RecordMetadata> ack, Instant sent)
            throws InterruptedException {
        RecordMetadata metadata = acknowledgedMetadata(ack);
        metrics.eventRelayed(new RelayedEvent(event.eventId(), header(event, ChangeMapper.HEADER_TOPIC).orElse(""),
                metadata.topic(), metadata.partition(), metadata.offset(),
                header(event, ChangeMapper.HEADER_TRACEPARENT), sent, metrics.now()));
    }

    private static java.util.Optional<String> header(ChangeMapper.Change.Event event, String name) {
        return java.util.Optional.ofNullable(event.record().headers().lastHeader(name))
                .map(h -> new String(h.value(), java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Waits for a record's acknowledgement.
     *
     * @return null once acknowledged, or why Kafka refused the record for good
     * @throws RelayStreamException for any other failure: the stream restarts and sends it again
     */
    private Throwable awaitAck(Pending p) throws InterruptedException {
        return awaitAck(p.ack(), p.mapped());
    }

    private Throwable awaitAck(Future<RecordMetadata> ack, ChangeMapper.Change change) throws InterruptedException {
        while (true) {
            try {
                ack.get(ACK_POLL_MILLIS, TimeUnit.MILLISECONDS);
                return null;
            } catch (TimeoutException e) {
                if (stopRequested.getAsBoolean()) {
                    throw new InterruptedException("relay stopping: batch left unacknowledged, it is re-read on restart");
                }
            } catch (ExecutionException e) {
                if (refusedForGood(e.getCause())) {
                    return e.getCause();
                }
                throw new RelayStreamException("Kafka did not acknowledge " + describe(change)
                        + "; the stream restarts from the last committed position", e.getCause());
            }
        }
    }

    /**
     * Errors that sending the same record again can never fix. Everything else (timeouts, leader
     * changes, not enough replicas, authorisation, a broker outage) restarts the stream instead.
     */
    static boolean refusedForGood(Throwable error) {
        return error instanceof RecordTooLargeException
                || error instanceof RecordBatchTooLargeException
                || error instanceof InvalidRecordException;
    }

    /** Sends the dead letter of a refused change and waits until Kafka acknowledged it. */
    private void deadLetter(Pending p, Throwable refused) throws InterruptedException {
        String reason = "Kafka refused the record for good: " + refused.getClass().getSimpleName() + ": "
                + refused.getMessage();
        ChangeMapper.Change.Malformed dead = mapper.refused(p.mapped(), reason);
        Throwable deadRefused = awaitAck(producer.send(dead.record()), dead);
        if (deadRefused != null) {
            throw new RelayStreamException("Kafka refused both " + describe(p.mapped()) + " and its dead letter on "
                    + dead.record().topic() + "; the stream restarts from the last committed position", deadRefused);
        }
        log.error("{} was refused by Kafka for good ({}); sent to {} instead, and the stream goes on",
                describe(p.mapped()), reason, dead.record().topic());
        metrics.malformed(dead.eventId(), reason);
    }

    private static String describe(ChangeMapper.Change change) {
        return switch (change) {
            case ChangeMapper.Change.Event e -> "event " + e.eventId() + " on " + e.record().topic();
            case ChangeMapper.Change.Subscription s -> "subscription " + s.subscriptionId() + " on " + s.record().topic();
            case ChangeMapper.Change.Malformed m -> "malformed row " + m.eventId() + " on " + m.record().topic();
            case ChangeMapper.Change.Ignored i -> "nothing";
        };
    }

    private void logIgnored(ChangeMapper.Change.Ignored ignored) {
        switch (ignored.kind()) {
            case CONTROL -> { }
            case OUTBOX_DELETE -> log.debug("Outbox DELETE of {} skipped (rows are immutable events; deletes are retention)",
                    ignored.detail());
            case OUTBOX_UPDATE -> {
                if (warnedUpdates.add(String.valueOf(ignored.detail()))) {
                    log.warn("Outbox row {} was UPDATEd; outbox rows are immutable, the update is not relayed "
                            + "(the event was relayed as inserted)", ignored.detail());
                }
            }
            case UNREADABLE_SUBSCRIPTION -> log.error("Subscription change not relayed: {}", ignored.detail());
            case OTHER -> log.debug("Change skipped: {}", ignored.detail());
        }
    }
}
