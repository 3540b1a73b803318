package dev.posthorn.app.bench;

import org.HdrHistogram.Histogram;

/**
 * Percentiles of scheduled-time → receipt latency, in milliseconds.
 *
 * @param events events the histogram holds (received ones, plus unreceived ones at their cut-off age)
 * @param unreceived events not received by the cut-off; recorded at the age they had reached then
 */
record LatencySummary(long events, double p50Ms, double p99Ms, double p999Ms, double maxMs, long unreceived) {

    private static final double NANOS_PER_MILLI = 1_000_000d;

    static LatencySummary of(Histogram nanos, long unreceived) {
        if (nanos.getTotalCount() == 0) {
            return none();
        }
        return new LatencySummary(nanos.getTotalCount(),
                nanos.getValueAtPercentile(50) / NANOS_PER_MILLI,
                nanos.getValueAtPercentile(99) / NANOS_PER_MILLI,
                nanos.getValueAtPercentile(99.9) / NANOS_PER_MILLI,
                nanos.getMaxValue() / NANOS_PER_MILLI,
                unreceived);
    }

    static LatencySummary none() {
        return new LatencySummary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);
    }
}
