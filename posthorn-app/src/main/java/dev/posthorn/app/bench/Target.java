package dev.posthorn.app.bench;

import java.util.function.ToDoubleFunction;

/** The targets, checked against a run's figures (never in a test: they are machine-dependent). */
enum Target {
    PIPELINE_THROUGHPUT("pipeline >= 3,000 events/s (aim 5,000)", BenchResult::pipelineEps, 3_000, true),
    PIPELINE_OVER_POLLING("pipeline >= 2x the polling outbox", BenchResult::pipelineOverPolling, 2, true),
    P99_LATENCY("p99 <= 100 ms at 1,000 events/s (aim 50 ms)", r -> r.latency().p99Ms(), 100, false),
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
