package dev.posthorn.app.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The table printed at the end of a run: every figure with what it is measured against. */
final class ResultTable {

    private final List<String[]> rows = new ArrayList<>();

    static ResultTable of(BenchReport report) {
        ResultTable table = new ResultTable();
        BenchResult result = report.result();
        table.row("MEASUREMENT", "RESULT", "DETAIL");
        report.throughputs().forEach((label, throughput) -> table.row(label,
                BenchResult.rate(throughput.eventsPerSecond()) + " events/s", throughputDetail(label, throughput, result)));
        report.latency().ifPresent(outcome -> {
            LatencySummary latency = outcome.latency();
            table.row("latency at " + BenchResult.rate(report.settings().rate()) + " events/s (open loop)",
                    "p50 " + BenchResult.millis(latency.p50Ms()) + " / p99 " + BenchResult.millis(latency.p99Ms())
                            + " / p99.9 " + BenchResult.millis(latency.p999Ms()) + " ms",
                    "max " + BenchResult.millis(latency.maxMs()) + " ms over " + latency.events() + " events, "
                            + latency.unreceived() + " unreceived at the cut-off; generator at most "
                            + BenchResult.millis(outcome.generatorMaxLagMs()) + " ms behind schedule");
        });
        report.isolation().ifPresent(outcome -> table.row("isolation (1 of " + report.settings().isolationSubscriptions()
                        + " subscribers hanging)", BenchResult.ratio(outcome.ratio()) + " mean of " + outcome.rounds().size(),
                "spread " + BenchResult.ratio(outcome.minRatio()) + "-" + BenchResult.ratio(outcome.maxRatio()) + "; "
                        + outcome.rounds().stream().map(round -> BenchResult.rate(round.withHangingSubscriber().eventsPerSecond())
                                + " vs " + BenchResult.rate(round.clean().eventsPerSecond()))
                                .collect(java.util.stream.Collectors.joining(", "))
                        + " healthy deliveries/s (hanging vs clean)"));
        for (Map.Entry<String, Ledger> entry : report.ledgers().entrySet()) {
            table.row("ledger: " + entry.getKey(), ledgerResult(entry.getValue()), ledgerDetail(entry.getValue()));
        }
        if (!report.ledgers().isEmpty()) {
            Ledger total = report.totalLedger();
            table.row("ledger: all pipeline phases", ledgerResult(total), ledgerDetail(total));
        }
        for (Target target : Target.values()) {
            table.row("target: " + target.description(), target.verdict(result).name().toLowerCase(Locale.ROOT).replace('_', ' '), "");
        }
        report.failures().forEach(failure -> table.row("FAILED", failure, ""));
        return table;
    }

    private static String throughputDetail(String label, Throughput throughput, BenchResult result) {
        String detail = throughput.events() + " events in " + String.format(Locale.ROOT, "%.1f", throughput.seconds()) + " s";
        if (label.startsWith("pipeline") && Double.isFinite(result.pollingEps())) {
            detail += ", " + BenchResult.ratio(throughput.eventsPerSecond() / result.pollingEps()) + "x polling";
        }
        return detail;
    }

    private static String ledgerResult(Ledger ledger) {
        return "lost " + ledger.lost() + ", dups " + ledger.duplicates();
    }

    private static String ledgerDetail(Ledger ledger) {
        String detail = "published " + ledger.published() + " = delivered " + ledger.delivered() + " + dlq "
                + ledger.deadLettered() + " + in flight " + ledger.inFlight() + " + lost " + ledger.lost();
        return ledger.surplus() > 0 ? detail + " (surplus " + ledger.surplus() + ")" : detail;
    }

    private void row(String measurement, String result, String detail) {
        rows.add(new String[] {measurement, result, detail});
    }

    void print(PrintStream out) {
        int[] widths = new int[2];
        for (String[] row : rows) {
            widths[0] = Math.max(widths[0], row[0].length());
            widths[1] = Math.max(widths[1], row[1].length());
        }
        for (String[] row : rows) {
            out.println(String.format(Locale.ROOT, "%-" + widths[0] + "s  %-" + widths[1] + "s  %s", row[0], row[1], row[2]).stripTrailing());
        }
        out.flush();
    }
}
