package dev.posthorn.delivery.ratelimit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-subscription request rates of one delivery instance. A subscription's {@code rate_limit} is
 * shared between the instances by the events partitions each owns: an instance owning {@code k} of
 * {@code n} partitions sends at most {@code limit × k / n} requests per second to it. Events spread
 * over partitions by key, so each instance's share of the traffic is about its share of the partitions,
 * and the shares of all owners add up to the limit without any coordination between instances.
 *
 * <p>Each subscription is a token bucket of one token (a virtual schedule, GCRA): requests are spaced
 * evenly at the allowed rate, never in bursts. {@link #reserve} books the next free moment and says how
 * long to wait for it; the caller waits on its own (virtual) thread. Thread-safe.
 */
public final class RateLimits {

    private static final long SECOND_NANOS = 1_000_000_000L;

    private final Map<String, long[]> nextFree = new ConcurrentHashMap<>();
    private volatile int ownedPartitions = 1;
    private volatile int totalPartitions = 1;

    /** This instance now owns {@code owned} of the {@code total} events partitions. */
    public void ownedShare(int owned, int total) {
        if (total <= 0 || owned < 0) {
            throw new IllegalArgumentException("owned " + owned + " of " + total + " partitions");
        }
        this.totalPartitions = total;
        this.ownedPartitions = Math.min(owned, total);
    }

    /** Requests per second this instance may send to a subscription limited to {@code perSecond} overall. */
    public double instanceRate(int perSecond) {
        int owned = ownedPartitions;
        return owned == 0 ? 0 : (double) perSecond * owned / totalPartitions;
    }

    /**
     * Books a request to {@code subscriptionId} (limited to {@code perSecond} overall) and answers how many
     * nanoseconds after {@code nowNanos} it may be sent (0: at once).
     */
    public long reserve(String subscriptionId, int perSecond, long nowNanos) {
        double rate = instanceRate(perSecond);
        // Owning no partition, this instance only finishes what it had: pace it as if it owned one.
        long interval = (long) Math.ceil(SECOND_NANOS / (rate > 0 ? rate : (double) perSecond / totalPartitions));
        long[] next = nextFree.computeIfAbsent(subscriptionId, id -> new long[] {nowNanos});
        synchronized (next) {
            long at = Math.max(next[0], nowNanos);
            next[0] = at + interval;
            return at - nowNanos;
        }
    }
}
