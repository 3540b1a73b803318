package dev.posthorn.delivery;

import dev.posthorn.delivery.inbox.InboxStore;
import dev.posthorn.delivery.retry.RetrySchedule;
import dev.posthorn.delivery.subscriptions.Subscription;
import dev.posthorn.delivery.subscriptions.SubscriptionRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ExecutorService;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll thread's work, and only the wiring of it: fetch, fan out, start deliveries on virtual
 * threads within the instance-wide bound, learn their outcomes, commit offsets up to the lowest
 * record whose outcome is not durable yet. Each promise has its own owner:
 * <ul>
 *   <li>per-key order: {@link KeyLanes}, one per partition (one request per subscription and key);</li>
 *   <li>a slow endpoint holds only its own slots: {@link EndpointSlots};</li>
 *   <li>why a partition is paused, and what may be committed: {@link PartitionWork} with its
 *       {@link PartitionWork.Pause} reasons and {@link dev.posthorn.delivery.offsets.PartitionProgress}.</li>
 * </ul>
 * Everything here runs on the poll thread; workers talk back through {@link #news}. The loop never
 * sleeps or blocks on a delivery.
 */
final class ConsumerLoop implements ConsumerRebalanceListener {

    private static final Logger log = LoggerFactory.getLogger(ConsumerLoop.class);
    private static final Duration BUSY_POLL = Duration.ofMillis(10);
    /** Longest an events partition waits for the subscriptions view: see {@link SubscriptionsHold}. */
    static final Duration MAX_SUBSCRIPTIONS_HOLD = Duration.ofSeconds(2);
    private static final Duration IDLE_POLL = Duration.ofMillis(100);
    private static final Duration LAG_EVERY = Duration.ofSeconds(1);
    private static final Duration CRASH_RETRY = Duration.ofSeconds(5);

    /** What workers tell the poll thread. */
    private sealed interface WorkerNews {}

    /**
     * A delivery's HTTP exchange is over, or it never made one: its endpoint slot (if it held one) is
     * free, and an ordinary subscription's key may go on.
     */
    private record ExchangeEnded(Delivery original, String endpoint, long heldNanos, boolean strict)
            implements WorkerNews {}

    /** A delivery ended: its outcome is durable, or it must be retried in place, or it was abandoned. */
    private record Completion(Delivery original, boolean requested, DeliveryWorker.Result result) implements WorkerNews {}

    private record Delayed(Instant at, Delivery delivery) {}

    private final DeliveryConfig config;
    private final Topics topics;
    private final Clock clock;
    private final RetrySchedule schedule;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final SubscriptionRegistry registry;
    private final InboxStore inbox;
    private final DeliveryWorker worker;
    private final ExecutorService workers;
    private final SafeListener listener;
    private final TopicSetup.Layout layout;
    private final EndpointSlots slots;
    /** Deliveries waiting in the instance (or held in order in one partition) beyond this pause fetching. */
    private final int backpressureLimit;

    private final BlockingQueue<WorkerNews> news = new LinkedBlockingQueue<>();
    private final Map<TopicPartition, PartitionWork> partitions = new HashMap<>();
    private final ArrayDeque<Delivery> ready = new ArrayDeque<>();
    private final Set<String> inFlightKeys = new HashSet<>();
    /** Deliveries whose (subscription, event) is already in flight: they wait for that outcome. */
    private final Map<String, List<Delivery>> waitingOnKey = new HashMap<>();
    private final PriorityQueue<Delayed> delayed = new PriorityQueue<>(Comparator.comparing(Delayed::at));

    /** Deliveries started and not yet ended. */
    private int inFlight;
    /** Of those, the ones that make a request: from its start until its outcome is durable. */
    private int requesting;
    private boolean draining;
    private long nextCommitNanos = System.nanoTime();
    private long nextLagNanos = System.nanoTime();
    private volatile int inFlightGauge;
    private volatile int queuedGauge;
    private volatile long lagGauge;
    private volatile int waitingForSubscriptionsGauge;

    ConsumerLoop(DeliveryConfig config, KafkaConsumer<byte[], byte[]> consumer, SubscriptionRegistry registry,
                 InboxStore inbox, DeliveryWorker worker, ExecutorService workers, SafeListener listener,
                 TopicSetup.Layout layout) {
        this.config = config;
        this.topics = config.topics();
        this.clock = config.clock();
        this.schedule = config.schedule();
        this.consumer = consumer;
        this.registry = registry;
        this.inbox = inbox;
        this.worker = worker;
        this.workers = workers;
        this.listener = listener;
        this.layout = layout;
        this.slots = new EndpointSlots(config.maxInFlightPerEndpoint(), config.maxQueuedPerEndpoint(),
                config.responseTimeout());
        this.backpressureLimit = 2 * config.maxInFlight();
    }

    int inFlight() {
        return inFlightGauge;
    }

    int queued() {
        return queuedGauge;
    }

    long lag() {
        return lagGauge;
    }

    int waitingForSubscriptions() {
        return waitingForSubscriptionsGauge;
    }

    void subscribe() {
        List<String> names = new ArrayList<>();
        names.add(topics.events());
        for (int tier = 1; tier <= schedule.tierCount(); tier++) {
            names.add(topics.retry(tier));
        }
        consumer.subscribe(names, this);
    }

    /** One turn of the loop: learn outcomes, dispatch, poll, commit. */
    void pollOnce() {
        Instant now = clock.instant();
        processNews();
        releaseDelayed(now);
        dispatch();
        updatePauses(now);
        Duration timeout = pollTimeout(now);
        if (!timeout.isZero() && inFlight > 0) {
            // While deliveries run, their news (freed slots, durable outcomes) comes far more often than
            // records do, and consumer.poll would sit on it until records or its timeout arrive: wait for
            // the news instead, then take whatever Kafka has fetched meanwhile without blocking.
            awaitNews(timeout);
            timeout = Duration.ZERO;
        }
        ConsumerRecords<byte[], byte[]> records = consumer.poll(timeout);
        now = clock.instant();
        for (TopicPartition tp : records.partitions()) {
            handle(tp, records.records(tp), now);
        }
        dispatch();
        updateGauges();
        // Operational intervals run on the monotonic clock; the injected Clock is for domain time.
        if (System.nanoTime() - nextCommitNanos >= 0) {
            commit(false, partitions.values());
            nextCommitNanos = System.nanoTime() + config.commitInterval().toNanos();
        }
    }

    /**
     * Stops taking work, waits for deliveries in flight until {@code deadline}, and commits what is
     * durable. Deliveries not started are left to the partition's next owner.
     *
     * @return true when nothing was left in flight
     */
    boolean drain(long deadlineNanos) {
        draining = true;
        ready.clear();
        slots.clearQueues();
        delayed.clear();
        waitingOnKey.clear();
        updatePauses(clock.instant());
        while (inFlight > 0 && System.nanoTime() - deadlineNanos < 0) {
            consumer.poll(BUSY_POLL);
            processNews();
        }
        commit(true, partitions.values());
        return inFlight == 0;
    }

    /** After cancelling what was still in flight: collect the last completions until the deadline. */
    void finishAbandoned(long deadlineNanos) {
        while (inFlight > 0 && System.nanoTime() - deadlineNanos < 0) {
            consumer.poll(BUSY_POLL);
            processNews();
        }
        commit(true, partitions.values());
    }

    // ---------------------------------------------------------------- records in

    private void handle(TopicPartition tp, List<ConsumerRecord<byte[], byte[]>> records, Instant now) {
        PartitionWork work = partitions.get(tp);
        if (work == null || work.revoked) {
            return;
        }
        for (ConsumerRecord<byte[], byte[]> record : records) {
            if (work.tier > 0) {
                Instant dueAt = parseInstant(EventData.header(record.headers(), DeliveryHeaders.DUE_AT));
                if (dueAt != null && dueAt.isAfter(now)) {
                    // Not due: rewind to it and pause the partition until then. Later records wait too.
                    consumer.seek(tp, record.offset());
                    work.dueAt = dueAt;
                    break;
                }
            }
            if (work.tier == 0 && work.subscriptionsHold.mustWait(record.offset(), record.timestamp(),
                    DeliveryHeaders.subscriptionsThrough(record.headers()), now.toEpochMilli(), System.nanoTime(),
                    this::viewHas)) {
                consumer.seek(tp, record.offset());
                break;
            }
            handleRecord(work, record, now);
        }
    }

    private boolean viewHas(SubscriptionsHold.Need need) {
        return switch (need) {
            case SubscriptionsHold.Need.ReadThrough through -> registry.hasRead(through.offsets());
            case SubscriptionsHold.Need.CurrentAsOf asOf -> asOf.millis() <= registry.currentAsOf();
        };
    }

    private void handleRecord(PartitionWork work, ConsumerRecord<byte[], byte[]> record, Instant now) {
        Delivery.Source source = new Delivery.Source(work, record.offset());
        EventData event;
        try {
            event = work.tier == 0 ? EventData.fromEventRecord(record) : EventData.fromDeliveryRecord(record);
        } catch (EventData.MalformedEventException e) {
            log.error("Record {}-{}@{} is not a deliverable event ({}); moving it to {}",
                    record.topic(), record.partition(), record.offset(), e.getMessage(), topics.deadLetters());
            work.progress.track(record.offset(), 1);
            writeMalformed(record, source, e.getMessage());
            return;
        }
        if (work.tier == 0) {
            List<Subscription> matching = registry.matching(event.topic());
            work.progress.track(record.offset(), matching.size());
            for (Subscription s : matching) {
                enqueue(Delivery.first(event, s.id(), source));
            }
            return;
        }
        String subscriptionId = EventData.header(record.headers(), DeliveryHeaders.SUBSCRIPTION_ID);
        work.progress.track(record.offset(), 1);
        if (subscriptionId == null) {
            writeMalformed(record, source, "retry record without " + DeliveryHeaders.SUBSCRIPTION_ID);
            return;
        }
        enqueue(new Delivery(event, subscriptionId, source, work.tier,
                parseInt(EventData.header(record.headers(), DeliveryHeaders.ATTEMPTS)),
                parseInstant(EventData.header(record.headers(), DeliveryHeaders.FIRST_ATTEMPT_AT)),
                parseInstant(EventData.header(record.headers(), DeliveryHeaders.LAST_ATTEMPT_AT)),
                parseInteger(EventData.header(record.headers(), DeliveryHeaders.LAST_STATUS)),
                EventData.header(record.headers(), DeliveryHeaders.LAST_ERROR),
                "true".equals(EventData.header(record.headers(), DeliveryHeaders.SKIP_INBOX))));
    }

    /** A new delivery joins the ready queue and its partition's buffered work. */
    private void enqueue(Delivery d) {
        d.source().work().buffered++;
        ready.add(d);
    }

    /**
     * Moves a record that is not a deliverable event to the DLQ on a worker thread, which retries the
     * write until it is acknowledged (or the service stops): the partition's commits never stay
     * behind a record whose DLQ write failed once.
     */
    private void writeMalformed(ConsumerRecord<byte[], byte[]> record, Delivery.Source source, String reason) {
        Delivery marker = new Delivery(null, "-", source, 0, 0, null, null, null, reason, false);
        inFlight++;
        source.work().inFlight++;
        workers.execute(() -> news.add(new Completion(marker, false, worker.deadLetterMalformed(record, reason))));
    }

    // ---------------------------------------------------------------- dispatch

    private void dispatch() {
        if (draining) {
            return;
        }
        slots.startQueued(this::roomToStart, this::startQueued, System.nanoTime());
        while (!ready.isEmpty() && roomToStart()) {
            start(ready.poll());
        }
    }

    /**
     * maxInFlight bounds the deliveries that make a request, until their outcome is durable: after
     * a crash only those can arrive twice. Deliveries that only write an outcome (parked on a retry
     * tier, dead-lettered) do not take their place, or a hanging endpoint's parked deliveries would
     * crowd out the healthy ones; they are bounded by as many again.
     */
    private boolean roomToStart() {
        return requesting < config.maxInFlight() && inFlight < 2 * config.maxInFlight();
    }

    /** Takes a delivery off the ready queue and starts it, or puts it where it must wait. */
    private void start(Delivery d) {
        PartitionWork work = d.source().work();
        work.buffered--;
        if (work.revoked) {
            return; // the partition's next owner does this delivery again
        }
        Subscription s = registry.get(d.subscriptionId()).orElse(null);
        if (s != null && (d.tier() == 0 || work.lanes.holds(d)) && !work.lanes.tryAcquire(d)) {
            waitForKey(work, d, s);
            return;
        }
        if (inFlightKeys.contains(d.key())) {
            // The same delivery is running (a duplicate event, or the retry record written by the attempt
            // whose completion has not been processed yet): decide once its outcome is known.
            waitingOnKey.computeIfAbsent(d.key(), k -> new ArrayList<>()).add(d);
            work.buffered++;
            return;
        }
        if (!d.skipInbox() && inbox.contains(d.event().partition(), d.subscriptionId(), d.event().eventId())) {
            listener.inboxHit(d.subscriptionId());
            finish(d);
            return;
        }
        if (s == null) {
            launch(d, d, null, new DeliveryOutcome.DeadLetter("subscription deleted"), null);
            return;
        }
        if (!s.enabled()) {
            launch(d, d.noted(s.disabledReason()), s, new DeliveryOutcome.DeadLetter("subscription disabled"), null);
            return;
        }
        if (s.problem() != null) {
            launch(d, d.noted(s.problem()), s, new DeliveryOutcome.DeadLetter("subscription unusable"), null);
            return;
        }
        String endpoint = s.slotKey();
        switch (slots.admit(endpoint, d, System.nanoTime())) {
            case START -> {
                requesting++;
                launch(d, d, s, null, endpoint);
            }
            case QUEUED -> { } // EndpointSlots hands it a slot later
            case OVERFLOW -> park(d, s);
        }
    }

    /**
     * {@code d}'s key has a delivery in flight. Strict order: it waits, counted in its partition's
     * buffered work (a hot key behind a failing head pauses only its own partition). Otherwise it
     * waits in its endpoint's buffer, or is parked when that endpoint is slow and its buffer full.
     */
    private void waitForKey(PartitionWork work, Delivery d, Subscription s) {
        if (s.strictOrder()) {
            work.lanes.waitBehind(d, null);
            work.held++;
            return;
        }
        if (slots.behindKey(s.slotKey(), d, System.nanoTime()) == EndpointSlots.Admission.OVERFLOW) {
            park(d, s);
            return;
        }
        work.lanes.waitBehind(d, s.slotKey());
    }

    /**
     * A slow endpoint with a full buffer: park the delivery on a retry tier instead of letting it fill
     * the instance's memory or hold back the other endpoints. Nothing was sent, so it never
     * dead-letters for this: it stays on the last tier until the endpoint has room.
     */
    private void park(Delivery d, Subscription s) {
        listener.failed(s.id(), s.endpoint(), FailureClass.SATURATED);
        launch(d, d.noted("endpoint saturated: " + s.endpoint()), s,
                OutcomeRules.park("endpoint saturated", d.tier(), schedule, clock.instant(), random()), null);
    }

    /** A delivery that waited at {@code endpoint} got a slot there. */
    private void startQueued(String endpoint, Delivery d) {
        Subscription s = registry.get(d.subscriptionId()).orElse(null);
        requesting++;
        launch(d, d, s, s == null ? new DeliveryOutcome.DeadLetter("subscription deleted") : null, endpoint);
    }

    private void launch(Delivery original, Delivery d, Subscription s, DeliveryOutcome preset, String endpoint) {
        inFlight++;
        original.source().work().inFlight++;
        inFlightKeys.add(original.key());
        boolean strict = s != null && s.strictOrder();
        workers.execute(() -> {
            long startedNanos = System.nanoTime();
            // The worker runs this exactly once, whatever the attempt did (see DeliveryWorker.run).
            Runnable exchangeEnded = () -> news.add(
                    new ExchangeEnded(original, endpoint, System.nanoTime() - startedNanos, strict));
            DeliveryWorker.Result result;
            try {
                result = worker.run(d, s, preset, exchangeEnded);
            } catch (RuntimeException | Error e) {
                log.error("Delivery of event {} to subscription {} failed unexpectedly; retrying it in {}",
                        d.event().eventId(), d.subscriptionId(), CRASH_RETRY, e);
                result = new DeliveryWorker.RetryInPlace(d, clock.instant().plus(CRASH_RETRY));
            }
            news.add(new Completion(original, endpoint != null, result));
        });
    }

    /** Blocks until a worker reports or {@code timeout} passes; then hands out the freed slots. */
    private void awaitNews(Duration timeout) {
        try {
            WorkerNews first = news.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (first != null) {
                process(first);
                processNews();
                dispatch();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void processNews() {
        WorkerNews n;
        while ((n = news.poll()) != null) {
            process(n);
        }
    }

    private void process(WorkerNews n) {
        switch (n) {
            case ExchangeEnded ended -> {
                if (ended.endpoint() != null) {
                    slots.freed(ended.endpoint(), ended.heldNanos(), System.nanoTime());
                }
                if (!ended.strict()) {
                    releaseKey(ended.original()); // the answer is in: the key's next event may go
                }
            }
            case Completion c -> complete(c);
        }
    }

    private void complete(Completion c) {
        Delivery original = c.original();
        PartitionWork work = original.source().work();
        inFlight--;
        if (c.requested()) {
            requesting--;
        }
        work.inFlight--;
        if (original.event() != null) {
            inFlightKeys.remove(original.key());
            List<Delivery> waiting = waitingOnKey.remove(original.key());
            if (waiting != null) {
                waiting.forEach(ready::addFirst); // still counted in their partition's buffered work
            }
        }
        switch (c.result()) {
            case DeliveryWorker.Durable durable -> finish(original);
            case DeliveryWorker.RetryInPlace retry -> {
                if (draining || work.revoked) {
                    return; // the partition's next owner (or the next start) does it again
                }
                work.lanes.replaceHead(original, retry.next()); // a strict head keeps its key
                work.held++;
                delayed.add(new Delayed(retry.at(), retry.next()));
            }
            case DeliveryWorker.Abandoned abandoned -> {
                // not durable: the record stays uncommitted and is read again by the next owner
            }
        }
    }

    /** Waits (without sleeping) for the next news until the deadline, then processes what came. */
    private void awaitNews(long deadlineNanos) {
        try {
            WorkerNews next = news.poll(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (next != null) {
                process(next);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        processNews();
    }

    private void finish(Delivery d) {
        PartitionWork work = d.source().work();
        if (!work.revoked) {
            work.progress.complete(d.source().offset());
        }
        releaseKey(d);
    }

    /** Ends {@code d}'s turn on its key (if it had one) and queues the key's next event first. */
    private void releaseKey(Delivery d) {
        if (d.event() == null) {
            return;
        }
        PartitionWork work = d.source().work();
        KeyLanes.Waiting next = work.lanes.release(d);
        if (next == null) {
            return;
        }
        if (next.endpoint() != null) {
            slots.leftKey(next.endpoint(), next.delivery()); // counted at its endpoint until now
        } else {
            work.held--; // held behind a strict head until now
        }
        work.buffered++;
        ready.addFirst(next.delivery());
    }

    private void releaseDelayed(Instant now) {
        while (!delayed.isEmpty() && !delayed.peek().at().isAfter(now)) {
            Delivery d = delayed.poll().delivery();
            d.source().work().held--;
            d.source().work().buffered++;
            ready.addFirst(d);
        }
    }

    // ---------------------------------------------------------------- pausing, offsets

    private void updatePauses(Instant now) {
        long nowNanos = System.nanoTime();
        // Instance-wide: work fetched and waiting (ready, behind a duplicate, at endpoints that keep up)
        // pauses every partition. Deliveries held in order pause only their own partition.
        int waiting = slots.backpressure(nowNanos);
        for (PartitionWork work : partitions.values()) {
            waiting += work.buffered;
        }
        boolean backpressure = waiting >= backpressureLimit;
        Set<TopicPartition> paused = consumer.paused();
        List<TopicPartition> pause = new ArrayList<>();
        List<TopicPartition> resume = new ArrayList<>();
        for (PartitionWork work : partitions.values()) {
            if (work.dueAt != null && !now.isBefore(work.dueAt)) {
                work.dueAt = null;
            }
            if (work.subscriptionsHold.update(this::viewHas, now.toEpochMilli(), nowNanos)) {
                // The follower is behind (a broker outage, a stalled fetch): go on with the view there is.
                log.warn("Subscriptions view not current after {}; delivering {} with the view it has",
                        MAX_SUBSCRIPTIONS_HOLD, work);
            }
            work.pause(PartitionWork.Pause.DRAINING, draining);
            work.pause(PartitionWork.Pause.BACKPRESSURE, backpressure || work.held >= backpressureLimit);
            work.pause(PartitionWork.Pause.NOT_DUE, work.dueAt != null);
            work.pause(PartitionWork.Pause.INBOX_LOADING, !inboxReady(work));
            work.pause(PartitionWork.Pause.SUBSCRIPTIONS_BEHIND, work.subscriptionsHold.holding());
            boolean shouldPause = !work.pauses.isEmpty();
            boolean isPaused = paused.contains(work.partition);
            if (shouldPause && !isPaused) {
                pause.add(work.partition);
            } else if (!shouldPause && isPaused) {
                resume.add(work.partition);
            }
        }
        if (!pause.isEmpty()) {
            consumer.pause(pause);
        }
        if (!resume.isEmpty()) {
            consumer.resume(resume);
        }
    }

    private boolean inboxReady(PartitionWork work) {
        for (int p : inboxSlice(work)) {
            if (!inbox.isReady(p)) {
                return false;
            }
        }
        return true;
    }

    /** The inbox partitions a partition's deliveries can have markers in. */
    private List<Integer> inboxSlice(PartitionWork work) {
        int p = work.partition.partition();
        if (work.tier == 0) {
            return List.of(p);
        }
        // Retry records sit in partition (event partition mod retry partitions).
        List<Integer> slice = new ArrayList<>();
        for (int q = p; q < layout.eventPartitions(); q += layout.retryPartitions()) {
            slice.add(q);
        }
        return slice;
    }

    private void assignInboxSlice() {
        Set<Integer> slice = new HashSet<>();
        for (PartitionWork work : partitions.values()) {
            slice.addAll(inboxSlice(work));
        }
        inbox.assign(slice);
    }

    private Duration pollTimeout(Instant now) {
        if (inFlight > 0 || !ready.isEmpty() || !news.isEmpty()) {
            return BUSY_POLL;
        }
        Duration timeout = IDLE_POLL;
        for (PartitionWork work : partitions.values()) {
            if (work.subscriptionsHold.holding() && BUSY_POLL.compareTo(timeout) < 0) {
                timeout = BUSY_POLL;
            }
            if (work.dueAt != null) {
                Duration untilDue = Duration.between(now, work.dueAt);
                if (untilDue.compareTo(timeout) < 0) {
                    timeout = untilDue.isNegative() ? Duration.ZERO : untilDue;
                }
            }
        }
        if (!delayed.isEmpty()) {
            Duration untilDue = Duration.between(now, delayed.peek().at());
            if (untilDue.compareTo(timeout) < 0) {
                timeout = untilDue.isNegative() ? Duration.ZERO : untilDue;
            }
        }
        return timeout;
    }

    private void commit(boolean sync, Collection<PartitionWork> which) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (PartitionWork work : which) {
            OptionalLong offset = work.progress.toCommit();
            if (offset.isPresent()) {
                offsets.put(work.partition, new OffsetAndMetadata(offset.getAsLong()));
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        if (sync) {
            try {
                consumer.commitSync(offsets, Duration.ofSeconds(10));
                markCommitted(offsets);
            } catch (KafkaException e) {
                log.warn("Could not commit offsets {}: {}; the records are read again by the next owner",
                        offsets, e.toString());
            }
        } else {
            consumer.commitAsync(offsets, (committed, error) -> {
                if (error == null) {
                    markCommitted(committed);
                } else {
                    log.debug("Offset commit failed, retried with the next one: {}", error.toString());
                }
            });
        }
    }

    private void markCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, offset) -> {
            PartitionWork work = partitions.get(tp);
            if (work != null) {
                work.progress.markCommitted(offset.offset());
            }
        });
    }

    private void updateGauges() {
        inFlightGauge = inFlight;
        int queued = slots.queued();
        int waiting = 0;
        for (PartitionWork work : partitions.values()) {
            queued += work.buffered + work.held;
            if (work.subscriptionsHold.holding()) {
                waiting++;
            }
        }
        queuedGauge = queued;
        waitingForSubscriptionsGauge = waiting;
        if (System.nanoTime() - nextLagNanos >= 0) {
            long lag = 0;
            for (TopicPartition tp : partitions.keySet()) {
                OptionalLong l = consumer.currentLag(tp);
                if (l.isPresent()) {
                    lag += l.getAsLong();
                }
            }
            lagGauge = lag;
            nextLagNanos = System.nanoTime() + LAG_EVERY.toNanos();
        }
    }

    // ---------------------------------------------------------------- rebalancing

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
        if (assigned.isEmpty()) {
            return;
        }
        for (TopicPartition tp : assigned) {
            OptionalInt tier = topics.retryTier(tp.topic());
            partitions.put(tp, new PartitionWork(tp, tier.orElse(0)));
        }
        assignInboxSlice();
        shareRateLimits();
        updatePauses(clock.instant()); // paused until their inbox slice is loaded
        log.info("Assigned {}", assigned);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
        if (revoked.isEmpty()) {
            return;
        }
        List<PartitionWork> works = new ArrayList<>();
        for (TopicPartition tp : revoked) {
            PartitionWork work = partitions.get(tp);
            if (work != null) {
                works.add(work);
            }
        }
        // In the cooperative protocol the partitions move only after this returns: letting their
        // deliveries in flight finish first keeps the next owner from delivering them a second time. The
        // wait is bounded well inside the drain timeout; what is still running then is fenced (no outcome
        // is written for it) and its request aborted, so nothing of it overlaps the next owner's work.
        long drainNanos = config.drainTimeout().toNanos();
        long deadline = System.nanoTime() + drainNanos / 10 * 7;
        while (works.stream().anyMatch(w -> w.inFlight > 0) && System.nanoTime() - deadline < 0) {
            awaitNews(deadline);
        }
        commit(true, works);
        List<PartitionWork> busy = works.stream().filter(w -> w.inFlight > 0).toList();
        if (!busy.isEmpty()) {
            busy.forEach(w -> w.revoked = true);
            busy.forEach(worker::abortRequests);
            long aborted = System.nanoTime() + drainNanos / 10 * 2;
            while (busy.stream().anyMatch(w -> w.inFlight > 0) && System.nanoTime() - aborted < 0) {
                awaitNews(aborted);
            }
            log.warn("Revoked {} with deliveries still in flight after {} ms: aborted them; the next owner sends them",
                    busy, drainNanos / 10 * 7 / 1_000_000);
        }
        forget(works);
        log.info("Revoked {}; committed what was durable, nothing new starts for them", revoked);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> lost) {
        List<PartitionWork> works = new ArrayList<>();
        for (TopicPartition tp : lost) {
            PartitionWork work = partitions.get(tp);
            if (work != null) {
                works.add(work);
            }
        }
        // Another instance may own them already: abort their requests so that nothing of them overlaps its
        // work (and so that a request stuck here does not hold their keys when they come back).
        works.forEach(w -> w.revoked = true);
        works.forEach(worker::abortRequests);
        forget(works);
        log.warn("Lost {} (another instance may already own them); aborted their requests in flight", lost);
    }

    /**
     * Drops a partition and everything of it: its lanes go with its state, its deliveries queued at
     * endpoints are removed, and those still in ready, delayed or behind a duplicate are skipped when
     * they come up. Workers still running for it see {@link PartitionWork#revoked} and write no
     * retry or DLQ record (the next owner decides those again).
     */
    private void forget(List<PartitionWork> works) {
        for (PartitionWork work : works) {
            work.revoked = true;
            slots.forget(work);
            partitions.remove(work.partition);
        }
        assignInboxSlice();
        shareRateLimits();
    }

    /** Rate limits are shared by the events partitions each instance owns (see RateLimits). */
    private void shareRateLimits() {
        int owned = (int) partitions.values().stream().filter(w -> w.tier == 0).count();
        worker.ownedShare(owned, layout.eventPartitions());
    }

    // ---------------------------------------------------------------- helpers

    private double random() {
        double r = config.jitterRandom().getAsDouble();
        return r >= 0 && r < 1 ? r : 0.5;
    }

    private static Instant parseInstant(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text.strip());
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    private static int parseInt(String text) {
        Integer value = parseInteger(text);
        return value == null ? 0 : value;
    }

    private static Integer parseInteger(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
