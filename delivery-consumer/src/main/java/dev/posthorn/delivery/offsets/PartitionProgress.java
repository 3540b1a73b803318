package dev.posthorn.delivery.offsets;

import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Which offsets of one partition have a durable outcome. Records are tracked in offset order with
 * the number of deliveries they fanned out to; a record is done when all of them are. The offset
 * safe to commit is the lowest record not yet done, or the offset after the last tracked record
 * when everything is done. Not thread-safe: the poll thread owns it.
 */
public final class PartitionProgress {

    private final TreeMap<Long, Integer> pending = new TreeMap<>();
    private long next = -1;
    private long committed = -1;

    /**
     * Tracks the record at {@code offset} that needs {@code deliveries} durable outcomes. Zero means
     * nothing to do (no matching subscription): it only moves the end forward.
     */
    public void track(long offset, int deliveries) {
        if (deliveries < 0) {
            throw new IllegalArgumentException("deliveries must not be negative");
        }
        if (offset < next) {
            throw new IllegalStateException("offset " + offset + " tracked after " + (next - 1));
        }
        if (deliveries > 0) {
            pending.put(offset, deliveries);
        }
        next = offset + 1;
    }

    /** One delivery of the record at {@code offset} has a durable outcome. */
    public void complete(long offset) {
        Integer left = pending.get(offset);
        if (left == null) {
            throw new IllegalStateException("offset " + offset + " is not pending");
        }
        if (left == 1) {
            pending.remove(offset);
        } else {
            pending.put(offset, left - 1);
        }
    }

    /** The offset to commit, or empty when nothing was tracked yet. */
    public OptionalLong committable() {
        if (next < 0) {
            return OptionalLong.empty();
        }
        Map.Entry<Long, Integer> first = pending.firstEntry();
        return OptionalLong.of(first == null ? next : first.getKey());
    }

    /** The committable offset if it moved past the last one {@link #markCommitted marked committed}. */
    public OptionalLong toCommit() {
        OptionalLong offset = committable();
        if (offset.isPresent() && offset.getAsLong() > committed) {
            return offset;
        }
        return OptionalLong.empty();
    }

    public void markCommitted(long offset) {
        committed = Math.max(committed, offset);
    }

    public int pendingRecords() {
        return pending.size();
    }
}
