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
import java.util.Iterator;
import java.util.LinkedHashSet;
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
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll thread's work: fetch, fan out, dispatch deliveries to virtual threads within the
 * instance-wide and per-endpoint bounds, learn their durable outcomes, commit offsets up to the
 * lowest record whose outcome is not durable yet. Everything here runs on the poll thread only;
 * workers talk back through {@link #news}. The loop never sleeps or blocks on a delivery:
 * backpressure pauses partitions, and a retry partition whose head is not due is paused until it is.
 *
 * <p>An endpoint's slot is freed as soon as its HTTP exchange ends ({@link SlotFreed}); the delivery
 * itself stays in flight until its outcome is durable ({@link Completion}), which is what gates the
 * offset commit. A receiver therefore sees up to {@code maxInFlightPerEndpoint} concurrent requests,
 * not fewer while markers are being acknowledged.
 */
final class ConsumerLoop implements ConsumerRebalanceListener {

    private static final Logger log = LoggerFactory.getLogger(ConsumerLoop.class);
    private static final Duration BUSY_POLL = Duration.ofMillis(10);
    /** Longest an events partition waits for the subscriptions view (clock skew, stalled follower). */
    private static final Duration MAX_SUBSCRIPTIONS_HOLD = Duration.ofSeconds(2);
    private static final Duration IDLE_POLL = Duration.ofMillis(100);
    private static final Duration LAG_EVERY = Duration.ofSeconds(1);
    private static final Duration CRASH_RETRY = Duration.ofSeconds(5);

    /** What workers tell the poll thread. */
    private sealed interface WorkerNews {}

    /** A delivery's HTTP exchange (if it made one) is over: its endpoint may take the next request. */
    private record SlotFreed(String endpoint, long heldNanos) implements WorkerNews {}

    /** A delivery ended: its outcome is durable, or it must be retried in place, or it was abandoned. */
    private record Completion(Delivery original, boolean requested, DeliveryWorker.Result result) implements WorkerNews {}

    private record Delayed(Instant at, Delivery delivery) {}

    /** Deliveries to one endpoint: how many are in flight, and those waiting for a slot. */
    private static final class Endpoint {
        /**
         * Every slot busy and none freed for {@link #stalledAfter} (this at least): the endpoint has
         * stopped answering. A healthy endpoint frees one of its slots every (response time / slots)
         * on average, so a few typical response times without any is far out of its pattern.
         */
        static final long MIN_STALLED_NANOS = Duration.ofMillis(250).toNanos();
        static final int STALLED_RESPONSE_TIMES = 4;

        int inFlight;
        final ArrayDeque<Delivery> waiting = new ArrayDeque<>();
        /** When the delivery now at the head of {@link #waiting} started waiting (monotonic nanos). */
        long headSince;
        /** When a slot was last freed, or the endpoint first used (monotonic nanos). */
        long lastFreed = System.nanoTime();
        /** Moving average of how long a delivery held a slot (nanos); 0 until one was freed. */
        long typicalHoldNanos;

        void freed(long heldNanos) {
            inFlight--;
            lastFreed = System.nanoTime();
            typicalHoldNanos = typicalHoldNanos == 0 ? heldNanos : (4 * typicalHoldNanos + heldNanos) / 5;
        }

        long stalledAfter() {
            return Math.max(MIN_STALLED_NANOS, STALLED_RESPONSE_TIMES * typicalHoldNanos);
        }

        void add(Delivery d) {
            if (waiting.isEmpty()) {
                headSince = System.nanoTime();
            }
            waiting.add(d);
        }

        Delivery poll() {
            Delivery d = waiting.poll();
            headSince = System.nanoTime();
            return d;
        }

        /**
         * Slow: its queue has not moved for longer than a response may take, or all its slots have
         * been stuck for {@link #stalledAfter} (a hanging endpoint is found within a few of its usual
         * response times, not after a whole response timeout). A slow endpoint's queue does not count
         * towards backpressure (it must not stop the others), and once it is full further deliveries
         * to it are parked on the next retry tier.
         */
        boolean slow(long now, long responseTimeoutNanos, int slots) {
            if (waiting.isEmpty()) {
                return false;
            }
            return now - headSince > responseTimeoutNanos || inFlight >= slots && now - lastFreed > stalledAfter();
        }
    }

    /** Strict order: one (subscription, key) delivers its head before anything behind it. */
    private static final class Lane {
        Delivery head;
        final ArrayDeque<Delivery> waiting = new ArrayDeque<>();

        Lane(Delivery head) {
            this.head = head;
        }
    }

    private final DeliveryConfig config;
    private final Topics topics;
    private final Clock clock;
    private final RetrySchedule schedule;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> producer;
    private final SubscriptionRegistry registry;
    private final InboxStore inbox;
    private final DeliveryWorker worker;
    private final ExecutorService workers;
    private final SafeListener listener;
    private final TopicSetup.Layout layout;

    private final BlockingQueue<WorkerNews> news = new LinkedBlockingQueue<>();
    private final Map<TopicPartition, PartitionWork> partitions = new HashMap<>();
    private final ArrayDeque<Delivery> ready = new ArrayDeque<>();
    private final Map<String, Endpoint> endpoints = new HashMap<>();
    private final Set<String> endpointsToServe = new LinkedHashSet<>();
    private final Set<String> inFlightKeys = new HashSet<>();
    /** Deliveries whose (subscription, event) is already in flight: they wait for that outcome. */
    private final Map<String, List<Delivery>> waitingOnKey = new HashMap<>();
    private final Map<String, Lane> lanes = new HashMap<>();
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

    ConsumerLoop(DeliveryConfig config, KafkaConsumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer,
                 SubscriptionRegistry registry, InboxStore inbox, DeliveryWorker worker, ExecutorService workers,
                 SafeListener listener, TopicSetup.Layout layout) {
        this.config = config;
        this.topics = config.topics();
        this.clock = config.clock();
        this.schedule = config.schedule();
        this.consumer = consumer;
        this.producer = producer;
        this.registry = registry;
        this.inbox = inbox;
        this.worker = worker;
        this.workers = workers;
        this.listener = listener;
        this.layout = layout;
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
        endpoints.values().forEach(e -> e.waiting.clear());
        lanes.clear();
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
                String due = EventData.header(record.headers(), DeliveryHeaders.DUE_AT);
                Instant dueAt = parseInstant(due);
                if (dueAt != null && dueAt.isAfter(now)) {
                    // Not due: rewind to it and pause the partition until then. Later records wait too.
                    consumer.seek(tp, record.offset());
                    work.pausedUntil = dueAt;
                    break;
                }
            }
            if (work.tier == 0 && record.timestamp() > registry.currentAsOf()) {
                // The subscriptions view may not yet hold a subscription added just before this event:
                // rewind and hold the partition until it does (bounded, see updatePauses).
                consumer.seek(tp, record.offset());
                if (work.heldForSubscriptionsUntil == 0) {
                    work.heldSinceNanos = System.nanoTime();
                }
                work.heldForSubscriptionsUntil = record.timestamp();
                break;
            }
            handleRecord(work, record, now);
        }
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
            writeMalformed(record, source, e.getMessage(), now);
            return;
        }
        if (work.tier == 0) {
            List<Subscription> matching = registry.matching(event.topic());
            work.progress.track(record.offset(), matching.size());
            for (Subscription s : matching) {
                ready.add(Delivery.first(event, s.id(), source));
            }
            return;
        }
        String subscriptionId = EventData.header(record.headers(), DeliveryHeaders.SUBSCRIPTION_ID);
        if (subscriptionId == null) {
            work.progress.track(record.offset(), 1);
            writeMalformed(record, source, "retry record without " + DeliveryHeaders.SUBSCRIPTION_ID, now);
            return;
        }
        work.progress.track(record.offset(), 1);
        ready.add(new Delivery(event, subscriptionId, source, work.tier,
                parseInt(EventData.header(record.headers(), DeliveryHeaders.ATTEMPTS)),
                parseInstant(EventData.header(record.headers(), DeliveryHeaders.FIRST_ATTEMPT_AT)),
                parseInstant(EventData.header(record.headers(), DeliveryHeaders.LAST_ATTEMPT_AT)),
                parseInteger(EventData.header(record.headers(), DeliveryHeaders.LAST_STATUS)),
                EventData.header(record.headers(), DeliveryHeaders.LAST_ERROR),
                "true".equals(EventData.header(record.headers(), DeliveryHeaders.SKIP_INBOX))));
    }

    private void writeMalformed(ConsumerRecord<byte[], byte[]> record, Delivery.Source source, String reason, Instant now) {
        var dlq = DeliveryRecords.malformed(topics, record.key(), record.value(), record.headers(), record.partition(),
                record.offset(), reason, layout.dlqPartitions(), now);
        // Written from the poll thread without waiting: the callback reports back like a delivery.
        Delivery marker = new Delivery(null, "-", source, 0, 0, null, null, null, reason, false);
        inFlight++;
        source.work().inFlight++;
        try {
            producer.send(dlq, (metadata, error) -> {
                if (error != null) {
                    log.error("Could not move malformed record {}-{}@{} to {}: {}; it will be read again",
                            record.topic(), record.partition(), record.offset(), topics.deadLetters(), error.toString());
                    news.add(new Completion(marker, false, new DeliveryWorker.Abandoned()));
                } else {
                    listener.deadLettered(null, "malformed event");
                    news.add(new Completion(marker, false, new DeliveryWorker.Durable()));
                }
            });
        } catch (KafkaException e) {
            log.error("Could not move malformed record {}-{}@{} to {}: {}", record.topic(), record.partition(),
                    record.offset(), topics.deadLetters(), e.toString());
            news.add(new Completion(marker, false, new DeliveryWorker.Abandoned()));
        }
    }

    // ---------------------------------------------------------------- dispatch

    private void dispatch() {
        if (draining) {
            return;
        }
        Iterator<String> it = endpointsToServe.iterator();
        while (it.hasNext() && roomToStart()) {
            Endpoint endpoint = endpoints.get(it.next());
            while (endpoint != null && !endpoint.waiting.isEmpty()
                    && endpoint.inFlight < config.maxInFlightPerEndpoint() && roomToStart()) {
                start(endpoint.poll());
            }
            if (endpoint == null || endpoint.waiting.isEmpty() || endpoint.inFlight >= config.maxInFlightPerEndpoint()) {
                it.remove();
            }
        }
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

    private boolean slow(Endpoint endpoint, long now) {
        return endpoint.slow(now, config.responseTimeout().toNanos(), config.maxInFlightPerEndpoint());
    }

    private void start(Delivery d) {
        PartitionWork work = d.source().work();
        if (work.revoked) {
            advanceLane(d); // the partition's new owner does this delivery again
            return;
        }
        Subscription s = registry.get(d.subscriptionId()).orElse(null);
        if (s != null && s.strictOrder() && d.tier() == 0 && !d.skipInbox()) {
            String key = laneKey(d);
            Lane lane = lanes.get(key);
            if (lane == null) {
                lanes.put(key, new Lane(d));
            } else if (lane.head != d) {
                lane.waiting.add(d);
                return;
            }
        }
        if (inFlightKeys.contains(d.key())) {
            // The same delivery is running (a duplicate event, or the retry record written by the attempt
            // whose completion has not been processed yet): decide once its outcome is known.
            waitingOnKey.computeIfAbsent(d.key(), k -> new ArrayList<>()).add(d);
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
        String endpointKey = s.endpoint();
        Endpoint endpoint = endpoints.computeIfAbsent(endpointKey, k -> new Endpoint());
        if (endpoint.inFlight >= config.maxInFlightPerEndpoint()) {
            if (endpoint.waiting.size() < config.maxQueuedPerEndpoint()
                    || !slow(endpoint, System.nanoTime())) {
                endpoint.add(d); // a busy but moving endpoint: backpressure bounds its queue
                return;
            }
            // A slow endpoint with a full queue: park the delivery on the next tier instead of letting
            // it fill the instance's memory or hold back the other endpoints.
            listener.failed(s.id(), endpointKey, FailureClass.SATURATED);
            launch(d, d.noted("endpoint saturated: " + endpointKey), s,
                    OutcomeRules.retry("endpoint saturated", d.tier(), false, schedule, clock.instant(), random()), null);
            return;
        }
        endpoint.inFlight++;
        requesting++;
        launch(d, d, s, null, endpointKey);
    }

    private void launch(Delivery original, Delivery d, Subscription s, DeliveryOutcome preset, String endpointKey) {
        inFlight++;
        original.source().work().inFlight++;
        inFlightKeys.add(original.key());
        workers.execute(() -> {
            long startedNanos = System.nanoTime();
            // The worker runs this exactly once, whatever the attempt did (see DeliveryWorker.run).
            Runnable exchangeEnded = endpointKey == null ? () -> {}
                    : () -> news.add(new SlotFreed(endpointKey, System.nanoTime() - startedNanos));
            DeliveryWorker.Result result;
            try {
                result = worker.run(d, s, preset, exchangeEnded);
            } catch (RuntimeException | Error e) {
                log.error("Delivery of event {} to subscription {} failed unexpectedly; retrying it in {}",
                        d.event().eventId(), d.subscriptionId(), CRASH_RETRY, e);
                result = new DeliveryWorker.RetryInPlace(d, clock.instant().plus(CRASH_RETRY));
            }
            news.add(new Completion(original, endpointKey != null, result));
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
            case SlotFreed freed -> freeSlot(freed.endpoint(), freed.heldNanos());
            case Completion c -> complete(c);
        }
    }

    private void freeSlot(String endpointKey, long heldNanos) {
        Endpoint endpoint = endpoints.get(endpointKey);
        endpoint.freed(heldNanos);
        if (!endpoint.waiting.isEmpty()) {
            endpointsToServe.add(endpointKey);
        } else if (endpoint.inFlight == 0) {
            endpoints.remove(endpointKey);
        }
    }

    private void complete(Completion c) {
        inFlight--;
        if (c.requested()) {
            requesting--;
        }
        c.original().source().work().inFlight--;
        if (c.original().event() != null) {
            inFlightKeys.remove(c.original().key());
            List<Delivery> waiting = waitingOnKey.remove(c.original().key());
            if (waiting != null) {
                waiting.forEach(ready::addFirst);
            }
        }
        switch (c.result()) {
            case DeliveryWorker.Durable durable -> finish(c.original());
            case DeliveryWorker.RetryInPlace retry -> {
                if (draining || c.original().source().work().revoked) {
                    return; // the partition's next owner (or the next start) does it again
                }
                Lane lane = lanes.get(laneKey(c.original()));
                if (lane != null && lane.head == c.original()) {
                    lane.head = retry.next();
                }
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
        if (d.event() != null) {
            advanceLane(d);
        }
    }

    private void advanceLane(Delivery d) {
        String key = laneKey(d);
        Lane lane = lanes.get(key);
        if (lane == null || lane.head != d) {
            return;
        }
        Delivery next = lane.waiting.poll();
        while (next != null && next.source().work().revoked) {
            next = lane.waiting.poll();
        }
        if (next == null) {
            lanes.remove(key);
        } else {
            lane.head = next;
            ready.addFirst(next);
        }
    }

    private void releaseDelayed(Instant now) {
        while (!delayed.isEmpty() && !delayed.peek().at().isAfter(now)) {
            ready.addFirst(delayed.poll().delivery());
        }
    }

    private static String laneKey(Delivery d) {
        return d.subscriptionId() + "\n" + d.event().keyText();
    }

    // ---------------------------------------------------------------- pausing, offsets

    private void updatePauses(Instant now) {
        boolean backpressure = buffered() >= 2 * config.maxInFlight();
        Set<TopicPartition> paused = consumer.paused();
        List<TopicPartition> pause = new ArrayList<>();
        List<TopicPartition> resume = new ArrayList<>();
        for (PartitionWork work : partitions.values()) {
            if (work.pausedUntil != null && !now.isBefore(work.pausedUntil)) {
                work.pausedUntil = null;
            }
            if (work.heldForSubscriptionsUntil != 0 && (registry.currentAsOf() >= work.heldForSubscriptionsUntil
                    || System.nanoTime() - work.heldSinceNanos > MAX_SUBSCRIPTIONS_HOLD.toNanos())) {
                // Caught up, or the follower is stalled or the producer's clock is ahead: go on.
                work.heldForSubscriptionsUntil = 0;
            }
            boolean shouldPause = draining || backpressure || work.pausedUntil != null || !inboxReady(work)
                    || work.heldForSubscriptionsUntil != 0;
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

    /** Deliveries fetched and waiting, except those queued for slow endpoints. */
    private int buffered() {
        int buffered = ready.size();
        long now = System.nanoTime();
        for (Endpoint endpoint : endpoints.values()) {
            if (!slow(endpoint, now)) {
                buffered += endpoint.waiting.size();
            }
        }
        return buffered;
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
            if (work.heldForSubscriptionsUntil != 0 && BUSY_POLL.compareTo(timeout) < 0) {
                timeout = BUSY_POLL;
            }
            if (work.pausedUntil != null) {
                Duration untilDue = Duration.between(now, work.pausedUntil);
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
        int queued = ready.size() + delayed.size();
        for (List<Delivery> waiting : waitingOnKey.values()) {
            queued += waiting.size();
        }
        for (Endpoint e : endpoints.values()) {
            queued += e.waiting.size();
        }
        for (Lane lane : lanes.values()) {
            queued += lane.waiting.size();
        }
        queuedGauge = queued;
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
        // deliveries in flight finish first keeps the next owner from delivering them a second time.
        long deadline = System.nanoTime() + config.drainTimeout().toNanos();
        while (works.stream().anyMatch(w -> w.inFlight > 0) && System.nanoTime() - deadline < 0) {
            awaitNews(deadline);
        }
        commit(true, works);
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
        forget(works);
        log.warn("Lost {} (another instance may already own them)", lost);
    }

    private void forget(List<PartitionWork> works) {
        for (PartitionWork work : works) {
            work.revoked = true;
            partitions.remove(work.partition);
        }
        assignInboxSlice();
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
