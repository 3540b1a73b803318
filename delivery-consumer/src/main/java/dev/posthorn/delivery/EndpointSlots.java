package dev.posthorn.delivery;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.BiConsumer;

/**
 * Per-endpoint slots (at most {@code slots} requests at once to one scheme://host:port), the queue
 * of deliveries waiting for a slot, and the judgement whether an endpoint is slow.
 *
 * <p>The promise kept here: <em>a slow endpoint holds only its own slots</em>. A busy endpoint that
 * keeps up queues its deliveries, and that queue counts as backpressure for the partitions they came
 * from (the instance cannot go faster than its endpoints). A slow one (its queue would take longer
 * than {@link #SLOW_QUEUE_WAIT} to drain at its usual pace, its head has not moved for a response
 * timeout, or all its slots are stuck) does not count while another endpoint is in use, so fetching
 * goes on for the others; once its bounded queue is full, {@link #admit} answers {@link
 * Admission#OVERFLOW} and the caller parks the delivery on a retry tier.
 *
 * <p>"In use" is judged by the stream, not the clock: another endpoint is in use while it was given
 * one of the last {@code maxQueued} deliveries admitted here. A slow endpoint cannot fill its queue
 * without the others' deliveries showing up among its own if the stream holds any; if none did,
 * there is nobody to protect, and parking its burst on a retry tier would only delay it. While the
 * partitions are paused nothing is admitted, so an endpoint starved by the pause stays in use.
 *
 * <p>Not thread-safe: the poll thread owns it. Times are {@link System#nanoTime()} values.
 */
final class EndpointSlots {

    /** A queue that would wait longer than this at the endpoint's usual pace marks it slow. */
    static final Duration SLOW_QUEUE_WAIT = Duration.ofSeconds(1);
    /** All slots busy and none freed for this long (or a few usual response times) marks it stalled. */
    static final long MIN_STALLED_NANOS = Duration.ofMillis(250).toNanos();
    static final int STALLED_RESPONSE_TIMES = 4;
    /** An endpoint idle this long, and no longer in use, is forgotten (only to bound memory). */
    static final long FORGET_IDLE_NANOS = Duration.ofSeconds(10).toNanos();

    enum Admission {
        /** A slot was taken: start the request now. */
        START,
        /** Waiting for a slot; {@link #startQueued} hands it out later. */
        QUEUED,
        /** A slow endpoint with a full queue: park the delivery on a retry tier. */
        OVERFLOW
    }

    private static final class Endpoint {
        int inFlight;
        final ArrayDeque<Delivery> waiting = new ArrayDeque<>();
        /** Deliveries to this endpoint waiting behind their key's head (ordinary subscriptions), by partition. */
        final Map<PartitionWork, Integer> behindKeysBy = new HashMap<>();
        int behindKeys;
        /** When the head of {@link #waiting} started waiting. */
        long headSince;
        /** When a slot was last freed, or the endpoint first used. */
        long lastFreed;
        long lastUsed;
        /** The value of {@link #admitted} when this endpoint was last given a delivery. */
        long lastAdmitted;
        /** Moving average of how long a request held a slot; 0 until one was freed. */
        long typicalHoldNanos;

        Endpoint(long now) {
            lastFreed = now;
            lastUsed = now;
        }

        void add(Delivery d, long now) {
            if (waiting.isEmpty()) {
                headSince = now;
            }
            waiting.add(d);
        }

        Delivery poll(long now) {
            Delivery d = waiting.poll();
            headSince = now;
            return d;
        }

        /** Everything held for this endpoint: its queue and the deliveries behind their keys. */
        int buffered() {
            return waiting.size() + behindKeys;
        }

        boolean slow(long now, int slots, long responseTimeoutNanos) {
            if (buffered() == 0) {
                return false;
            }
            boolean stalled = inFlight >= slots
                    && now - lastFreed > Math.max(MIN_STALLED_NANOS, STALLED_RESPONSE_TIMES * typicalHoldNanos);
            long expectedWait = buffered() * typicalHoldNanos / slots;
            return stalled || now - headSince > responseTimeoutNanos || expectedWait > SLOW_QUEUE_WAIT.toNanos();
        }
    }

    private final int slots;
    private final int maxQueued;
    private final long responseTimeoutNanos;
    private final Map<String, Endpoint> endpoints = new HashMap<>();
    /** Deliveries admitted so far: the clock "in use" is judged by (it stops while fetching is paused). */
    private long admitted;
    /** The endpoint given the latest delivery, and when any other endpoint last was. */
    private Endpoint latest;
    private long othersLastAdmitted = Long.MIN_VALUE;
    /** Endpoints with a free slot and a queue: {@link #startQueued} serves them. */
    private final Set<String> toServe = new LinkedHashSet<>();

    EndpointSlots(int slots, int maxQueued, Duration responseTimeout) {
        this.slots = slots;
        this.maxQueued = maxQueued;
        this.responseTimeoutNanos = responseTimeout.toNanos();
    }

    /** Takes a slot of {@code endpoint} for {@code d}, or queues it, or says it overflows. */
    Admission admit(String endpoint, Delivery d, long now) {
        Endpoint e = given(endpoint, now);
        if (e.inFlight < slots && e.waiting.isEmpty()) {
            e.inFlight++;
            return Admission.START;
        }
        if (e.buffered() < maxQueued || !isolated(e, now)) {
            e.add(d, now);
            if (e.inFlight < slots) {
                toServe.add(endpoint);
            }
            return Admission.QUEUED;
        }
        return Admission.OVERFLOW;
    }

    /**
     * {@code d} would wait behind its key's head: it counts in {@code endpoint}'s buffer like a queued
     * delivery (so a slow endpoint's keys do not hold back its partition) unless that buffer is full
     * and the endpoint slow, when it {@link Admission#OVERFLOW overflows}. {@link Admission#START} is
     * never answered.
     */
    Admission behindKey(String endpoint, Delivery d, long now) {
        Endpoint e = given(endpoint, now);
        if (e.buffered() >= maxQueued && isolated(e, now)) {
            return Admission.OVERFLOW;
        }
        e.behindKeys++;
        e.behindKeysBy.merge(d.source().work(), 1, Integer::sum);
        return Admission.QUEUED;
    }

    /** {@code endpoint} is given a delivery (whatever becomes of it): ticks the admission clock. */
    private Endpoint given(String endpoint, long now) {
        Endpoint e = endpoints.computeIfAbsent(endpoint, k -> new Endpoint(now));
        e.lastUsed = now;
        admitted++;
        if (e != latest) {
            if (latest != null) {
                othersLastAdmitted = latest.lastAdmitted;
            }
            latest = e;
        }
        e.lastAdmitted = admitted;
        return e;
    }

    /** Whether another endpoint than {@code e} was given one of the last {@code maxQueued} deliveries. */
    private boolean othersInUse(Endpoint e) {
        return e == latest ? othersLastAdmitted > inUseAfter() : latest != null && inUse(latest);
    }

    /** {@code e} is slow and others are in use: its queue is kept apart from theirs (not backpressure; bounded). */
    private boolean isolated(Endpoint e, long now) {
        return othersInUse(e) && e.slow(now, slots, responseTimeoutNanos);
    }

    private boolean inUse(Endpoint e) {
        return e.lastAdmitted > inUseAfter();
    }

    /** An endpoint given a delivery after this point of {@link #admitted} is in use. */
    private long inUseAfter() {
        return admitted - Math.max(1, maxQueued);
    }

    /** {@code d}, counted by {@link #behindKey}, got its key's turn. */
    void leftKey(String endpoint, Delivery d) {
        Endpoint e = endpoints.get(endpoint); // never forgotten while it holds deliveries behind keys
        if (e != null && e.behindKeysBy.containsKey(d.source().work())) {
            e.behindKeysBy.computeIfPresent(d.source().work(), (w, n) -> n == 1 ? null : n - 1);
            e.behindKeys--;
        }
    }

    /** A request to {@code endpoint} is over after holding its slot for {@code heldNanos}. */
    void freed(String endpoint, long heldNanos, long now) {
        Endpoint e = endpoints.get(endpoint);
        if (e == null) {
            return;
        }
        e.inFlight--;
        e.lastFreed = now;
        e.lastUsed = now;
        e.typicalHoldNanos = e.typicalHoldNanos == 0 ? heldNanos : (4 * e.typicalHoldNanos + heldNanos) / 5;
        if (!e.waiting.isEmpty()) {
            toServe.add(endpoint);
        }
    }

    /** Hands queued deliveries their endpoint's free slots while {@code room} allows. */
    void startQueued(BooleanSupplier room, BiConsumer<String, Delivery> start, long now) {
        Iterator<String> it = toServe.iterator();
        while (it.hasNext() && room.getAsBoolean()) {
            String endpoint = it.next();
            Endpoint e = endpoints.get(endpoint);
            while (e != null && !e.waiting.isEmpty() && e.inFlight < slots && room.getAsBoolean()) {
                e.inFlight++;
                start.accept(endpoint, e.poll(now));
            }
            if (e == null || e.waiting.isEmpty() || e.inFlight >= slots) {
                it.remove();
            }
        }
    }

    /**
     * Deliveries held for endpoints that count as backpressure: those of every endpoint except a slow
     * one while another endpoint is in use. Forgets long-idle endpoints no longer in use.
     */
    int backpressure(long now) {
        endpoints.values().removeIf(e -> e != latest && e.inFlight == 0 && e.buffered() == 0
                && now - e.lastUsed > FORGET_IDLE_NANOS && !inUse(e));
        int counted = 0;
        for (Endpoint e : endpoints.values()) {
            if (e.buffered() > 0 && !isolated(e, now)) {
                counted += e.buffered();
            }
        }
        return counted;
    }

    /** Deliveries held for all endpoints: queued, or behind their keys. */
    int queued() {
        int queued = 0;
        for (Endpoint e : endpoints.values()) {
            queued += e.buffered();
        }
        return queued;
    }

    /** Drops the queued deliveries of {@code work}'s partition (revoked or lost: its next owner does them). */
    void forget(PartitionWork work) {
        for (Endpoint e : endpoints.values()) {
            e.waiting.removeIf(d -> d.source().work() == work);
            Integer behind = e.behindKeysBy.remove(work);
            if (behind != null) {
                e.behindKeys -= behind; // the lanes went with the partition
            }
        }
    }

    /** Drops every queued delivery (draining: nothing new starts). */
    void clearQueues() {
        for (Endpoint e : endpoints.values()) {
            e.waiting.clear();
            e.behindKeys = 0;
            e.behindKeysBy.clear();
        }
        toServe.clear();
    }
}
