package dev.posthorn.delivery;

import dev.posthorn.delivery.offsets.PartitionProgress;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * The poll thread's state of one assigned partition: its commit progress, its key lanes, how much
 * of its work waits in memory, and why it is paused. A new object per assignment: everything that
 * belongs to a partition (lanes included) goes with it when it is revoked or lost, and deliveries
 * that finish afterwards find {@link #revoked} set and leave the progress alone.
 */
final class PartitionWork {

    /** Why a partition is paused. Each reason is set and cleared on its own; fetching resumes when none is left. */
    enum Pause {
        /** The service is draining: nothing new is read. */
        DRAINING,
        /** Too much work waits in memory: the instance's queues, or this partition's held deliveries. */
        BACKPRESSURE,
        /** A retry partition whose head is not due yet. */
        NOT_DUE,
        /** The inbox markers this partition's deliveries may have are still loading. */
        INBOX_LOADING,
        /** The subscriptions view is not yet current as of the next event (bounded). */
        SUBSCRIPTIONS_BEHIND
    }

    final TopicPartition partition;
    /** 0 for the events topic, k for {@code retry.k}. */
    final int tier;
    final PartitionProgress progress = new PartitionProgress();
    final KeyLanes lanes = new KeyLanes();
    final Set<Pause> pauses = EnumSet.noneOf(Pause.class);
    /** Set once on revoke or loss; read by delivery threads to fence outcomes of a previous assignment. */
    volatile boolean revoked;
    /** A retry partition whose head is not due yet stays paused until then. */
    Instant dueAt;
    /** Whether the next event may go out yet with the subscriptions view as it is. */
    final SubscriptionsHold subscriptionsHold = new SubscriptionsHold(ConsumerLoop.MAX_SUBSCRIPTIONS_HOLD);
    /** Deliveries of this partition waiting in the ready queue or behind a duplicate of themselves. */
    int buffered;
    /**
     * Deliveries of this partition held in order: behind a strict-order head, or waiting to be retried in
     * place. They pause only this partition when they pile up (a hot key behind a failing head).
     */
    int held;
    /** Deliveries of this partition running on worker threads. */
    int inFlight;

    PartitionWork(TopicPartition partition, int tier) {
        this.partition = partition;
        this.tier = tier;
    }

    /** Sets or clears one pause reason. */
    void pause(Pause reason, boolean on) {
        if (on) {
            pauses.add(reason);
        } else {
            pauses.remove(reason);
        }
    }

    @Override
    public String toString() {
        return partition.toString();
    }
}
