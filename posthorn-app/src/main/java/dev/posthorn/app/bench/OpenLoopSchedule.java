package dev.posthorn.app.bench;

/**
 * When each event of an open-loop generator is due: event {@code i} is scheduled at
 * {@code start + i / rate}, whatever happened to the events before it. Latency is measured from
 * this scheduled time, so a generator that stalls (a slow commit, a GC pause) cannot hide the delay
 * it caused (coordinated omission).
 *
 * @param startNanos {@link System#nanoTime()} at which event 0 is due
 * @param eventsPerSecond the fixed rate
 */
record OpenLoopSchedule(long startNanos, double eventsPerSecond) {

    private static final double NANOS_PER_SECOND = 1_000_000_000d;

    OpenLoopSchedule {
        if (!(eventsPerSecond > 0)) {
            throw new IllegalArgumentException("eventsPerSecond must be positive, was " + eventsPerSecond);
        }
    }

    /** {@link System#nanoTime()} at which event {@code index} (0-based) is due. */
    long scheduledNanos(long index) {
        return startNanos + (long) (index * NANOS_PER_SECOND / eventsPerSecond);
    }

    /** How many events a run of {@code durationNanos} schedules: those due strictly before its end. */
    long eventsWithin(long durationNanos) {
        return (long) Math.ceil(durationNanos * eventsPerSecond / NANOS_PER_SECOND);
    }
}
