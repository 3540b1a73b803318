package dev.posthorn.app.bench;

import java.util.Locale;

/**
 * The figures of one benchmark run. A figure that was not measured (its phase failed or could not
 * run) is NaN for rates and latencies and -1 for counts, and is printed as {@code n/a}.
 */
record BenchResult(
        double pipelineEps,
        double batchedEps,
        double pollingEps,
        double kafkaEps,
        double httpEps,
        double pgCpuMsPerK,
        double pollingPgCpuMsPerK,
        LatencySummary latency,
        double isolationRatio,
        long lost,
        long inFlight,
        long duplicates) {

    static final long NOT_MEASURED = -1;

    /** The one machine-readable line a run ends with. */
    String line() {
        return "BENCH"
                + " pipeline_eps=" + rate(pipelineEps)
                + " batched_eps=" + rate(batchedEps)
                + " polling_eps=" + rate(pollingEps)
                + " kafka_eps=" + rate(kafkaEps)
                + " http_eps=" + rate(httpEps)
                + " pg_cpu_ms_per_k=" + millis(pgCpuMsPerK)
                + " polling_pg_cpu_ms_per_k=" + millis(pollingPgCpuMsPerK)
                + " p50_ms=" + millis(latency.p50Ms())
                + " p99_ms=" + millis(latency.p99Ms())
                + " p999_ms=" + millis(latency.p999Ms())
                + " p99_first5s_ms=" + millis(latency.firstWindowP99Ms())
                + " p99_last5s_ms=" + millis(latency.lastWindowP99Ms())
                + " isolation_ratio=" + ratio(isolationRatio)
                + " lost=" + count(lost)
                + " in_flight=" + count(inFlight)
                + " dups=" + count(duplicates);
    }

    /** Pipeline throughput as a multiple of the polling baseline's. */
    double pipelineOverPolling() {
        return pipelineEps / pollingEps;
    }

    /** The last window's p99 over the first's: above 1, the tail grew through the phase. */
    double tailGrowth() {
        return latency.lastWindowP99Ms() / latency.firstWindowP99Ms();
    }

    /** Batched pipeline throughput as a multiple of the raw HTTP POST loop's. */
    double batchedOverHttp() {
        return batchedEps / httpEps;
    }

    /** The pipeline's Postgres CPU per event as a fraction of the polling outbox's. */
    double postgresCpuOverPolling() {
        return pgCpuMsPerK / pollingPgCpuMsPerK;
    }

    static String rate(double eventsPerSecond) {
        return Double.isFinite(eventsPerSecond) ? Long.toString(Math.round(eventsPerSecond)) : "n/a";
    }

    static String millis(double ms) {
        return Double.isFinite(ms) ? String.format(Locale.ROOT, "%.1f", ms) : "n/a";
    }

    static String ratio(double ratio) {
        return Double.isFinite(ratio) ? String.format(Locale.ROOT, "%.2f", ratio) : "n/a";
    }

    static String count(long count) {
        return count == NOT_MEASURED ? "n/a" : Long.toString(count);
    }
}
