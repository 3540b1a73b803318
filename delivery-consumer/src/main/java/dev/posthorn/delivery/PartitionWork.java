package dev.posthorn.delivery;

import dev.posthorn.delivery.offsets.PartitionProgress;
import java.time.Instant;
import org.apache.kafka.common.TopicPartition;

/**
 * The poll thread's state of one assigned partition. A new object per assignment: deliveries that
 * finish after their partition was revoked find {@link #revoked} set and leave the progress alone.
 */
final class PartitionWork {

    final TopicPartition partition;
    /** 0 for the events topic, k for {@code retry.k}. */
    final int tier;
    final PartitionProgress progress = new PartitionProgress();
    /** A retry partition whose head is not due yet stays paused until then. */
    Instant pausedUntil;
    boolean revoked;
    /**
     * Events partition held until the subscriptions view has caught up with this record timestamp
     * (wall-clock millis), so a subscription added just before an event is not missed; 0 = not held.
     */
    long heldForSubscriptionsUntil;
    /** When the hold began ({@link System#nanoTime()}); a hold never lasts longer than a bound. */
    long heldSinceNanos;
    /** Deliveries of this partition running on worker threads. */
    int inFlight;

    PartitionWork(TopicPartition partition, int tier) {
        this.partition = partition;
        this.tier = tier;
    }

    @Override
    public String toString() {
        return partition.toString();
    }
}
