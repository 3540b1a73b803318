package dev.posthorn.delivery;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Per-key order for one partition: at most one delivery per (subscription, aggregate key) is in
 * flight, and the next one of that key starts only when the lane is released. Every key of a
 * partition lives in that partition, so the lanes go with it when it is revoked or lost: a
 * returning partition never finds a key blocked by a delivery of a previous assignment.
 *
 * <p>Who releases when is the loop's business: an ordinary subscription releases the key as soon as
 * the answer is in (a failure moves the event to a retry tier and the key goes on); a strict-order
 * subscription releases it only when the outcome is durable and keeps the head while it retries.
 * Not thread-safe: the poll thread owns it.
 */
final class KeyLanes {

    /**
     * A delivery waiting for its key, and the endpoint whose buffer it counts in (null: it counts in
     * its partition's buffered work instead, as strict-order deliveries do).
     */
    record Waiting(Delivery delivery, String endpoint) {}

    private static final class Lane {
        Delivery head;
        final ArrayDeque<Waiting> waiting = new ArrayDeque<>();

        Lane(Delivery head) {
            this.head = head;
        }
    }

    private final Map<String, Lane> lanes = new HashMap<>();
    private int waiting;

    /**
     * True when {@code d} may start now: its key has nothing in flight (it becomes the lane's head)
     * or it already is the head. Otherwise the caller either lets it {@link #waitBehind} the head or
     * takes it elsewhere.
     */
    boolean tryAcquire(Delivery d) {
        String key = key(d);
        Lane lane = lanes.get(key);
        if (lane == null) {
            lanes.put(key, new Lane(d));
            return true;
        }
        return lane.head == d;
    }

    /** {@code d}, refused by {@link #tryAcquire}, waits for its key; {@link #release} hands it back. */
    void waitBehind(Delivery d, String endpoint) {
        lanes.get(key(d)).waiting.add(new Waiting(d, endpoint));
        waiting++;
    }

    /** Whether {@code d} holds its key's lane (a strict head being retried does, whatever its tier). */
    boolean holds(Delivery d) {
        Lane lane = lanes.get(key(d));
        return lane != null && lane.head == d;
    }

    /**
     * Ends {@code d}'s turn if it holds its lane.
     *
     * @return the next delivery of the key, now the lane's head, or null when none waits (or
     *         {@code d} did not hold the lane: releasing twice is harmless)
     */
    Waiting release(Delivery d) {
        String key = key(d);
        Lane lane = lanes.get(key);
        if (lane == null || lane.head != d) {
            return null;
        }
        Waiting next = lane.waiting.poll();
        if (next == null) {
            lanes.remove(key);
            return null;
        }
        waiting--;
        lane.head = next.delivery();
        return next;
    }

    /** The head {@code current} is retried in memory as {@code next} and keeps the lane. */
    void replaceHead(Delivery current, Delivery next) {
        Lane lane = lanes.get(key(current));
        if (lane != null && lane.head == current) {
            lane.head = next;
        }
    }

    /** Deliveries waiting behind a head. */
    int waiting() {
        return waiting;
    }

    private static String key(Delivery d) {
        return d.subscriptionId() + "\n" + d.event().keyText();
    }
}
