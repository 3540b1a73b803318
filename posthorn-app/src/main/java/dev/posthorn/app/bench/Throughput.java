package dev.posthorn.app.bench;

/**
 * Events moved between two instants of {@link System#nanoTime()}: for the pipeline, from the first
 * commit to the last receipt.
 */
record Throughput(long events, long firstNanos, long lastNanos) {

    /** Events per second, or NaN when nothing was measured. */
    double eventsPerSecond() {
        long elapsed = lastNanos - firstNanos;
        if (events <= 0 || elapsed <= 0) {
            return Double.NaN;
        }
        return events * 1_000_000_000d / elapsed;
    }

    double seconds() {
        return (lastNanos - firstNanos) / 1_000_000_000d;
    }
}
