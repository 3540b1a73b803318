package dev.posthorn.delivery;

import java.time.Duration;

/**
 * The promise that a subscription added just before an event sees that event, for one events
 * partition. The relay writes a subscription change before the events committed after it, so an
 * event may be fanned out once the subscriptions view is current as of the event's time, and never
 * needs more than "current as of when it was first read" (a relay clock running ahead must not hold
 * every event). A record that needs more waits, its partition paused, for at most {@link #bound};
 * after that it goes out with the view there is, and nothing produced until then waits again.
 *
 * <p>Times are wall-clock millis for the view ({@code SubscriptionRegistry.currentAsOf()}) and
 * {@link System#nanoTime()} values for the bound. Not thread-safe: the poll thread owns it.
 */
final class SubscriptionsHold {

    private final long boundNanos;
    /** The view must be current as of this (wall-clock millis) before the partition goes on; 0 = not held. */
    private long until;
    private long sinceNanos;
    /** The record last held and what it needs, so that it is judged the same when it comes back. */
    private long heldOffset = -1;
    private long heldNeeds;
    /** Records produced up to this wall-clock millis are not held again: a hold ran out. */
    private long waivedUpTo;

    SubscriptionsHold(Duration bound) {
        this.boundNanos = bound.toNanos();
    }

    /**
     * Whether the record at {@code offset}, stamped {@code timestamp}, must wait for the view (which
     * is current as of {@code currentAsOf}); if so the hold starts (or goes on).
     */
    boolean mustWait(long offset, long timestamp, long nowMillis, long currentAsOf, long nowNanos) {
        long needed = offset == heldOffset ? heldNeeds : Math.min(timestamp, nowMillis);
        if (needed <= currentAsOf || needed <= waivedUpTo) {
            return false;
        }
        if (until == 0) {
            sinceNanos = nowNanos;
        }
        heldOffset = offset;
        heldNeeds = needed;
        until = needed;
        return true;
    }

    /**
     * Ends the hold when the view caught up, or when the bound ran out (then returns true: the
     * caller goes on with the view it has and may say so).
     */
    boolean update(long currentAsOf, long nowMillis, long nowNanos) {
        if (until == 0) {
            return false;
        }
        if (currentAsOf >= until) {
            until = 0;
            return false;
        }
        if (nowNanos - sinceNanos > boundNanos) {
            waivedUpTo = nowMillis;
            until = 0;
            return true;
        }
        return false;
    }

    boolean holding() {
        return until != 0;
    }
}
