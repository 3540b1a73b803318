package dev.posthorn.app.bench;

import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code posthorn bench}: Posthorn's throughput, latency, isolation and ledger measured side by
 * side with three baselines in one run on this machine, ending with one {@code BENCH …} line.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Measures the Posthorn pipeline (outbox -> relay -> Kafka -> delivery -> signed webhooks) on 1 KiB events"
                    + " next to three baselines measured in the same run on the same receiver: a SELECT ... FOR UPDATE"
                    + " SKIP LOCKED polling outbox, raw Kafka produce -> consume, and a raw HTTP POST loop.",
            "Starts an embedded Postgres and an in-process Kafka unless --postgres-url / --kafka-bootstrap are given."
                    + " Prints progress, a table, and one final line: BENCH pipeline_eps=... batched_eps=... polling_eps=..."
                    + " kafka_eps=... http_eps=... p50_ms=... p99_ms=... p999_ms=... isolation_ratio=... lost=... in_flight=... dups=...",
            "Exit code 0 when every phase ran and nothing was lost, 1 otherwise; missed speed targets do not fail the run."})
public final class BenchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--quick", description = "Short run, at most 2 minutes: fewer events, a 10 s latency phase.")
    boolean quick;

    @Option(names = "--events", paramLabel = "N", description = "Events per throughput phase (default 30000; quick 5000).")
    Long events;

    @Option(names = "--rate", paramLabel = "EVENTS_PER_S", description = "Rate of the open-loop latency phase (default 1000).")
    Double rate;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "Length of the latency phase (default 30; quick 10).")
    Long durationSeconds;

    @Option(names = "--concurrency", paramLabel = "N",
            description = "Deliveries in flight per endpoint; also the polling baseline's pollers and the HTTP loops (default 16, the delivery's own default).")
    Integer concurrency;

    @Option(names = "--app-threads", paramLabel = "N", description = "Threads committing events (default 4).")
    Integer appThreads;

    @Option(names = "--batch-size", paramLabel = "N", description = "Events per transaction in the batched variant (default 50).")
    Integer batchSize;

    @Option(names = "--kafka-records", paramLabel = "N", description = "Records in the Kafka baseline (default 100000; quick 20000).")
    Long kafkaRecords;

    @Option(names = "--isolation-events", paramLabel = "N", description = "Events per isolation run; there are 3 rounds of 2 runs (default 2000; quick 500).")
    Long isolationEvents;

    @Option(names = "--isolation-subscriptions", paramLabel = "N", description = "Subscriptions in the isolation phase (default 20).")
    Integer isolationSubscriptions;

    @Option(names = "--response-timeout", paramLabel = "MILLIS", description = "The delivery's response timeout (default 2000).")
    Long responseTimeoutMillis;

    @Option(names = "--warmup-events", paramLabel = "N", description = "Unmeasured events before each baseline and before the pipeline phases (default 5000; quick 3000).")
    Long warmupEvents;

    @Option(names = "--drain-timeout", paramLabel = "SECONDS", description = "Longest wait for a phase's last receipt (default 60).")
    Long drainTimeoutSeconds;

    @Option(names = "--partitions", paramLabel = "N", description = "Partitions of the events topic (default 6).")
    Integer partitions;

    @Option(names = "--postgres-url", paramLabel = "JDBC_URL", description = "Use this Postgres (wal_level=logical) instead of an embedded one.")
    String postgresUrl;

    @Option(names = "--postgres-user", description = "User for --postgres-url (default postgres).")
    String postgresUser;

    @Option(names = "--postgres-password", description = "Password for --postgres-url (default postgres).")
    String postgresPassword;

    @Option(names = "--kafka-bootstrap", paramLabel = "HOST:PORT", description = "Use this Kafka instead of an in-process broker.")
    String kafkaBootstrap;

    @Override
    public Integer call() throws Exception {
        BenchSettings settings = settings();
        try (Console console = new Console(System.out, Duration.ofSeconds(quick ? 2 : 5))) {
            console.phase("posthorn bench" + (quick ? " --quick" : "") + ": " + settings.events() + " events per throughput phase, "
                    + settings.concurrency() + " deliveries per endpoint, " + settings.appThreads() + " app threads, "
                    + Runtime.getRuntime().availableProcessors() + " CPUs");
            BenchReport report = new BenchRun(settings, console).run();
            console.out().println();
            ResultTable.of(report).print(console.out());
            BenchResult result = report.result();
            console.out().println(result.line());
            boolean complete = report.failures().isEmpty() && result.lost() == 0;
            return complete ? 0 : 1;
        }
    }

    BenchSettings settings() {
        BenchSettings.Builder builder = BenchSettings.builder(quick);
        if (events != null) builder.events(events);
        if (rate != null) builder.rate(rate);
        if (durationSeconds != null) builder.latencyDuration(Duration.ofSeconds(durationSeconds));
        if (concurrency != null) builder.concurrency(concurrency);
        if (appThreads != null) builder.appThreads(appThreads);
        if (batchSize != null) builder.batchSize(batchSize);
        if (kafkaRecords != null) builder.kafkaRecords(kafkaRecords);
        if (isolationEvents != null) builder.isolationEvents(isolationEvents);
        if (isolationSubscriptions != null) builder.isolationSubscriptions(isolationSubscriptions);
        if (responseTimeoutMillis != null) builder.responseTimeout(Duration.ofMillis(responseTimeoutMillis));
        if (warmupEvents != null) builder.warmupEvents(warmupEvents);
        if (drainTimeoutSeconds != null) builder.drainTimeout(Duration.ofSeconds(drainTimeoutSeconds));
        if (partitions != null) builder.partitions(partitions);
        if (postgresUrl != null) builder.postgresUrl(postgresUrl);
        if (postgresUser != null) builder.postgresUser(postgresUser);
        if (postgresPassword != null) builder.postgresPassword(postgresPassword);
        if (kafkaBootstrap != null) builder.kafkaBootstrap(kafkaBootstrap);
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "invalid options: " + e.getMessage(), e);
        }
    }

    /** Runs the benchmark on its own (before it is registered as a subcommand) and exits: Kafka threads are non-daemon. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchCommand()).execute(args));
    }
}
