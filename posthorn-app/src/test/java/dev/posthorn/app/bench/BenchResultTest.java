package dev.posthorn.app.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BenchResultTest {

    private static final LatencySummary LATENCY = new LatencySummary(30_000, 12.34, 48.96, 81.25, 140, 0, 40.1, 44.9);

    @Test
    void endsARunWithOneLineOfEveryFigure() {
        BenchResult result = new BenchResult(3_512.4, 6_020.6, 1_203.5, 41_000, 5_100.49, 210.44, 630, LATENCY, 0.954, 0, 7, 2);

        assertThat(result.line()).isEqualTo("BENCH pipeline_eps=3512 batched_eps=6021 polling_eps=1204 kafka_eps=41000"
                + " http_eps=5100 pg_cpu_ms_per_k=210.4 polling_pg_cpu_ms_per_k=630.0 p50_ms=12.3 p99_ms=49.0"
                + " p999_ms=81.3 p99_first5s_ms=40.1 p99_last5s_ms=44.9 isolation_ratio=0.95 lost=0 in_flight=7 dups=2");
    }

    @Test
    void printsWhatWasNotMeasuredAsNotAvailable() {
        BenchResult result = new BenchResult(Double.NaN, Double.NaN, 900, 40_000, 5_000, Double.NaN, Double.NaN,
                LatencySummary.none(), Double.NaN, BenchResult.NOT_MEASURED, BenchResult.NOT_MEASURED,
                BenchResult.NOT_MEASURED);

        assertThat(result.line()).isEqualTo("BENCH pipeline_eps=n/a batched_eps=n/a polling_eps=900 kafka_eps=40000"
                + " http_eps=5000 pg_cpu_ms_per_k=n/a polling_pg_cpu_ms_per_k=n/a p50_ms=n/a p99_ms=n/a p999_ms=n/a"
                + " p99_first5s_ms=n/a p99_last5s_ms=n/a isolation_ratio=n/a lost=n/a in_flight=n/a dups=n/a");
    }

    @Test
    void checksEachTargetAndSaysWhichCouldNotBeChecked() {
        BenchResult result = new BenchResult(2_400, 3_000, 1_000, 40_000, 5_000, 200, 500, LATENCY, Double.NaN, 0, 0, 0);

        assertThat(Target.PIPELINE_OVER_POLLING.verdict(result)).isEqualTo(Target.Verdict.MET);
        assertThat(Target.BATCHED_OVER_HTTP.verdict(result)).as("3,000 < 0.8 x 5,000").isEqualTo(Target.Verdict.MISSED);
        assertThat(Target.P50_LATENCY.verdict(result)).isEqualTo(Target.Verdict.MET);
        assertThat(Target.P99_LATENCY.verdict(result)).isEqualTo(Target.Verdict.MET);
        assertThat(Target.NO_TAIL_GROWTH.verdict(result)).as("44.9 after 40.1").isEqualTo(Target.Verdict.MISSED);
        assertThat(Target.POSTGRES_CPU.verdict(result)).as("200 <= 0.5 x 500").isEqualTo(Target.Verdict.MET);
        assertThat(Target.ISOLATION.verdict(result)).isEqualTo(Target.Verdict.NOT_MEASURED);
        assertThat(Target.NO_LOSS.verdict(result)).isEqualTo(Target.Verdict.MET);
        assertThat(Target.NO_LOSS.verdict(new BenchResult(0, 0, 0, 0, 0, 1, 1, LATENCY, 1, 1, 0, 0)))
                .isEqualTo(Target.Verdict.MISSED);
        assertThat(Target.POSTGRES_CPU.verdict(new BenchResult(0, 0, 0, 0, 0, 300, 500, LATENCY, 1, 0, 0, 0)))
                .isEqualTo(Target.Verdict.MISSED);
    }
}
