package dev.posthorn.app.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Everything a run measured, filled in phase by phase; a phase that failed leaves its part empty. */
final class BenchReport {

    static final String PIPELINE = "pipeline, 1 event/transaction";
    static final String HTTP = "raw HTTP POST loop";
    static final String KAFKA = "raw Kafka produce -> consume";
    static final String POLLING = "polling outbox (SKIP LOCKED)";

    private final BenchSettings settings;
    private final Map<String, Throughput> throughputs = new LinkedHashMap<>();
    private final Map<String, Double> postgresCpuMsPerK = new LinkedHashMap<>();
    private final List<String> failures = new ArrayList<>();
    private final Map<String, Ledger> ledgers = new LinkedHashMap<>();
    private LatencyPhase.Outcome latency;
    private IsolationPhase.Outcome isolation;
    private boolean ledgerAudited;

    BenchReport(BenchSettings settings) {
        this.settings = settings;
    }

    static String batchedLabel(int batchSize) {
        return "pipeline, " + batchSize + " events/transaction";
    }

    void throughput(String label, Throughput throughput) {
        throughputs.put(label, throughput);
    }

    /** Postgres CPU milliseconds per 1,000 events of a throughput phase (the postmaster and its children). */
    void postgresCpu(String label, double msPerThousand) {
        postgresCpuMsPerK.put(label, msPerThousand);
    }

    Map<String, Double> postgresCpu() {
        return postgresCpuMsPerK;
    }

    void latency(LatencyPhase.Outcome outcome) {
        latency = outcome;
    }

    void isolation(IsolationPhase.Outcome outcome) {
        isolation = outcome;
    }

    void ledgers(Map<String, Ledger> byPhase) {
        ledgers.putAll(byPhase);
        ledgerAudited = true;
    }

    /** Phases whose drain did not finish: the run is not complete (the command exits non-zero). */
    void cutOff(List<String> lines) {
        lines.forEach(line -> failures.add(line + " (drain did not finish)"));
    }

    void failed(String phase, Throwable error) {
        failures.add(phase + ": " + error);
    }

    BenchSettings settings() {
        return settings;
    }

    Map<String, Throughput> throughputs() {
        return throughputs;
    }

    Optional<LatencyPhase.Outcome> latency() {
        return Optional.ofNullable(latency);
    }

    Optional<IsolationPhase.Outcome> isolation() {
        return Optional.ofNullable(isolation);
    }

    Map<String, Ledger> ledgers() {
        return ledgers;
    }

    List<String> failures() {
        return failures;
    }

    Ledger totalLedger() {
        return ledgers.values().stream().reduce(Ledger.empty(), Ledger::plus);
    }

    BenchResult result() {
        Ledger total = totalLedger();
        return new BenchResult(
                eventsPerSecond(PIPELINE),
                eventsPerSecond(batchedLabel(settings.batchSize())),
                eventsPerSecond(POLLING),
                eventsPerSecond(KAFKA),
                eventsPerSecond(HTTP),
                postgresCpuMsPerK.getOrDefault(PIPELINE, Double.NaN),
                postgresCpuMsPerK.getOrDefault(POLLING, Double.NaN),
                latency().map(LatencyPhase.Outcome::latency).orElse(LatencySummary.none()),
                isolation().map(IsolationPhase.Outcome::ratio).orElse(Double.NaN),
                ledgerAudited ? total.lost() : BenchResult.NOT_MEASURED,
                ledgerAudited ? total.inFlight() : BenchResult.NOT_MEASURED,
                ledgerAudited ? total.duplicates() : BenchResult.NOT_MEASURED);
    }

    private double eventsPerSecond(String label) {
        Throughput throughput = throughputs.get(label);
        return throughput == null ? Double.NaN : throughput.eventsPerSecond();
    }
}
