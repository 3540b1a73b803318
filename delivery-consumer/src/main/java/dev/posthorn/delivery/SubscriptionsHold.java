package dev.posthorn.delivery;

import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The promise that a subscription added just before an event sees that event, for one events
 * partition. The relay writes a subscription change before the events committed after it and stamps
 * each event with how far the subscriptions topic then reached ({@link Need.ReadThrough}); the event is
 * fanned out once the view has read that far. Events of a relay that does not stamp need the view
 * current as of the event's time ({@link Need.CurrentAsOf}), and never more than "current as of when
 * it was first read" (a relay clock running ahead must not hold every event). A record that needs more
 * waits, its partition paused, for at most {@link #bound}; after that it goes out with the view there
 * is, and nothing produced until then waits again.
 *
 * <p>Times are wall-clock millis for the view and {@link System#nanoTime()} values for the bound. Not
 * thread-safe: the poll thread owns it.
 */
final class SubscriptionsHold {

    /** What fanning out one event needs of the subscriptions view. */
    sealed interface Need {
        /** The view has read each subscriptions partition up to this offset (the relay's stamp). */
        record ReadThrough(Map<Integer, Long> offsets) implements Need {}

        /** The view is current as of this wall-clock millis (an event without the stamp). */
        record CurrentAsOf(long millis) implements Need {}
    }

    private final long boundNanos;
    private boolean holding;
    private long sinceNanos;
    /** The record last held and what it needs, so that it is judged the same when it comes back. */
    private long heldOffset = -1;
    private Need heldNeeds;
    /** Records produced up to this wall-clock millis are not held again: a hold ran out. */
    private long waivedUpTo = Long.MIN_VALUE;

    SubscriptionsHold(Duration bound) {
        this.boundNanos = bound.toNanos();
    }

    /**
     * Whether the record at {@code offset}, stamped {@code timestamp} and carrying the relay's
     * {@code stamp} (null without one), must wait for the view; if so the hold starts (or goes on).
     */
    boolean mustWait(long offset, long timestamp, Map<Integer, Long> stamp, long nowMillis, long nowNanos,
            Predicate<Need> view) {
        Need needed = offset == heldOffset ? heldNeeds
                : stamp != null ? new Need.ReadThrough(stamp) : new Need.CurrentAsOf(Math.min(timestamp, nowMillis));
        if (Math.min(timestamp, nowMillis) <= waivedUpTo || view.test(needed)) {
            return false;
        }
        if (!holding) {
            sinceNanos = nowNanos;
        }
        heldOffset = offset;
        heldNeeds = needed;
        holding = true;
        return true;
    }

    /**
     * Ends the hold when the view caught up, or when the bound ran out (then returns true: the
     * caller goes on with the view it has and may say so).
     */
    boolean update(Predicate<Need> view, long nowMillis, long nowNanos) {
        if (!holding) {
            return false;
        }
        if (view.test(heldNeeds)) {
            holding = false;
            return false;
        }
        if (nowNanos - sinceNanos > boundNanos) {
            waivedUpTo = nowMillis;
            holding = false;
            return true;
        }
        return false;
    }

    boolean holding() {
        return holding;
    }
}
