package dev.posthorn.app.bench;

import org.HdrHistogram.Histogram;

/**
 * Percentiles of scheduled-time → receipt latency, in milliseconds.
 *
 * @param events events the histogram holds (received ones, plus unreceived ones at their cut-off age)
 * @param unreceived events not received by the cut-off; recorded at the age they had reached then
 * @param firstWindowP99Ms p99 of the events scheduled in the phase's first {@link #WINDOW}
 * @param lastWindowP99Ms p99 of the events scheduled in its last {@link #WINDOW}: above the first's, the
 *     pipeline fell behind the rate and the tail grew through the phase
 */
record LatencySummary(long events, double p50Ms, double p99Ms, double p999Ms, double maxMs, long unreceived,
        double firstWindowP99Ms, double lastWindowP99Ms) {

    static final java.time.Duration WINDOW = java.time.Duration.ofSeconds(5);

    private static final double NANOS_PER_MILLI = 1_000_000d;

    static LatencySummary of(Histogram nanos, long unreceived, Histogram firstWindow, Histogram lastWindow) {
        if (nanos.getTotalCount() == 0) {
            return none();
        }
        return new LatencySummary(nanos.getTotalCount(),
                nanos.getValueAtPercentile(50) / NANOS_PER_MILLI,
                nanos.getValueAtPercentile(99) / NANOS_PER_MILLI,
                nanos.getValueAtPercentile(99.9) / NANOS_PER_MILLI,
                nanos.getMaxValue() / NANOS_PER_MILLI,
                unreceived,
                p99(firstWindow),
                p99(lastWindow));
    }

    private static double p99(Histogram nanos) {
        return nanos.getTotalCount() == 0 ? Double.NaN : nanos.getValueAtPercentile(99) / NANOS_PER_MILLI;
    }

    static LatencySummary none() {
        return new LatencySummary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, Double.NaN, Double.NaN);
    }
}
