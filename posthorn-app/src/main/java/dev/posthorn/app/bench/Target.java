package dev.posthorn.app.bench;

import java.util.function.ToDoubleFunction;

/** The targets of issue #14, checked against a run's figures (never in a test: they are machine-dependent). */
enum Target {
    PIPELINE_OVER_POLLING("pipeline >= 1.25x the polling outbox", BenchResult::pipelineOverPolling, 1.25, true),
    BATCHED_OVER_HTTP("batched pipeline >= 0.8x the raw HTTP loop", BenchResult::batchedOverHttp, 0.8, true),
    P50_LATENCY("p50 <= 15 ms at 1,000 events/s", r -> r.latency().p50Ms(), 15, false),
    P99_LATENCY("p99 <= 50 ms at 1,000 events/s", r -> r.latency().p99Ms(), 50, false),
    NO_TAIL_GROWTH("last 5 s p99 <= first 5 s p99 (no growth)", BenchResult::tailGrowth, 1, false),
    POSTGRES_CPU("Postgres CPU per event <= 0.5x polling's", BenchResult::postgresCpuOverPolling, 0.5, false),
    ISOLATION("isolation ratio >= 0.9", BenchResult::isolationRatio, 0.9, true),
    NO_LOSS("lost = 0", r -> r.lost() == BenchResult.NOT_MEASURED ? Double.NaN : r.lost(), 0, false);

    enum Verdict { MET, MISSED, NOT_MEASURED }

    private final String description;
    private final ToDoubleFunction<BenchResult> figure;
    private final double threshold;
    private final boolean atLeast;

    Target(String description, ToDoubleFunction<BenchResult> figure, double threshold, boolean atLeast) {
        this.description = description;
        this.figure = figure;
        this.threshold = threshold;
        this.atLeast = atLeast;
    }

    String description() {
        return description;
    }

    Verdict verdict(BenchResult result) {
        double value = figure.applyAsDouble(result);
        if (Double.isNaN(value)) {
            return Verdict.NOT_MEASURED;
        }
        return (atLeast ? value >= threshold : value <= threshold) ? Verdict.MET : Verdict.MISSED;
    }
}
