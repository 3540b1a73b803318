package dev.posthorn.app.bench;

import dev.posthorn.signature.WebhookSecrets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One run, phase by phase: the baselines first (before the relay's replication slot exists, so
 * that it decodes none of their WAL), then the pipeline: warm-up, throughput, batched throughput,
 * open-loop latency, isolation, and finally the ledger once the services have stopped. Each
 * measured pipeline phase starts once the delivery consumer is quiet. A phase that fails is
 * reported and the run goes on without its figures.
 */
final class BenchRun {

    private static final Duration ROUTING_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SETTLE = Duration.ofMillis(500);
    private static final Duration SETTLE_AT_MOST = Duration.ofSeconds(15);

    /** A phase's work. */
    @FunctionalInterface
    private interface Phase {
        void run() throws Exception;
    }

    private final BenchSettings settings;
    private final Console console;
    private final BenchReport report;

    BenchRun(BenchSettings settings, Console console) {
        this.settings = settings;
        this.console = console;
        this.report = new BenchReport(settings);
    }

    BenchReport run() throws Exception {
        try (BenchServers servers = BenchServers.start(settings, console);
                WebhookReceiver receiver = WebhookReceiver.start()) {
            phase(BenchReport.HTTP, () -> report.throughput(BenchReport.HTTP,
                    new HttpPostBaseline(settings, receiver, console).run()));
            phase(BenchReport.KAFKA, () -> report.throughput(BenchReport.KAFKA,
                    new KafkaBaseline(settings, servers.kafka(), console).run()));
            phase(BenchReport.POLLING, () -> {
                PollingOutboxBaseline.Outcome outcome =
                        new PollingOutboxBaseline(settings, servers.postgres(), receiver, console).run();
                report.throughput(BenchReport.POLLING, outcome.throughput());
                report.postgresCpu(BenchReport.POLLING, outcome.postgresCpuMsPerK());
            });
            phase("Posthorn pipeline", () -> runPipeline(servers, receiver));
        }
        console.line("servers stopped");
        return report;
    }

    private void runPipeline(BenchServers servers, WebhookReceiver receiver) throws Exception {
        try (PosthornPipeline pipeline = PosthornPipeline.start(settings, servers, console);
                IsolationPhase isolation = IsolationPhase.prepare(settings, pipeline)) {
            LatencyRecorder latencyRecorder = new LatencyRecorder();
            Route warmup = singleRoute(pipeline, receiver, "bench.warmup", ReceiverEndpoint.ReceiptListener.NONE);
            Route throughput = singleRoute(pipeline, receiver, "bench.throughput", ReceiverEndpoint.ReceiptListener.NONE);
            Route batched = singleRoute(pipeline, receiver, "bench.batched", ReceiverEndpoint.ReceiptListener.NONE);
            Route latency = singleRoute(pipeline, receiver, "bench.latency", latencyRecorder);
            List<Route> routes = new ArrayList<>(List.of(warmup, throughput, batched, latency));
            routes.addAll(isolation.routes());
            console.line("waiting until the delivery consumer routes all " + routes.stream()
                    .mapToInt(route -> route.subscribers().size()).sum() + " subscriptions");
            new RouteProbe(pipeline.outbox(), servers.postgres()).awaitRouted(routes, ROUTING_TIMEOUT);

            List<OwedDeliveries> owed = new ArrayList<>();
            PipelineLoad load = new PipelineLoad(settings, pipeline, servers.postgres(), console);
            if (settings.warmupEvents() > 0) {
                phase("warm-up (" + settings.warmupEvents() + " events, not measured)",
                        () -> owed.add(load.run("warm-up", warmup, settings.warmupEvents(), 1).owed()));
            }
            phase(BenchReport.PIPELINE, () -> {
                settle(pipeline);
                PipelineLoad.Outcome outcome = load.run("pipeline", throughput, settings.events(), 1);
                report.throughput(BenchReport.PIPELINE, outcome.throughput());
                report.postgresCpu(BenchReport.PIPELINE, outcome.postgresCpuMsPerK());
                report.cutOff(outcome.cutOff());
                owed.add(outcome.owed());
            });
            String batchedLabel = BenchReport.batchedLabel(settings.batchSize());
            phase(batchedLabel, () -> {
                settle(pipeline);
                PipelineLoad.Outcome outcome = load.run("batched", batched, settings.events(), settings.batchSize());
                report.throughput(batchedLabel, outcome.throughput());
                report.cutOff(outcome.cutOff());
                owed.add(outcome.owed());
            });
            phase("latency (open loop)", () -> {
                settle(pipeline);
                LatencyPhase.Outcome outcome = new LatencyPhase(settings, pipeline, servers.postgres(), console)
                        .run(latency, latencyRecorder);
                report.latency(outcome);
                report.cutOff(outcome.cutOff());
                owed.add(outcome.owed());
            });
            phase("isolation", () -> {
                IsolationPhase.Outcome outcome = isolation.run(load, console, () -> settle(pipeline));
                report.isolation(outcome);
                report.cutOff(outcome.cutOff());
                owed.addAll(outcome.owed());
            });
            phase("ledger", () -> {
                console.line("stopping the delivery consumer and the relay; auditing Kafka");
                pipeline.stopServices();
                report.ledgers(new LedgerAudit(servers.kafka(), pipeline.topics(), pipeline.groupId()).audit(owed));
            });
        }
    }

    /** Starts the next phase from rest: the previous one's markers, commits and backlog done. */
    private void settle(PosthornPipeline pipeline) throws InterruptedException {
        long start = System.nanoTime();
        boolean quiet = pipeline.awaitQuiet(SETTLE, SETTLE_AT_MOST);
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        console.line(quiet ? "delivery quiet for " + SETTLE.toMillis() + " ms (after " + tookMillis + " ms)"
                : "delivery still busy after " + SETTLE_AT_MOST.toSeconds() + " s; measuring anyway");
    }

    private static Route singleRoute(PosthornPipeline pipeline, WebhookReceiver receiver, String topicBase,
            ReceiverEndpoint.ReceiptListener listener) throws SQLException {
        ReceiverEndpoint endpoint = receiver.add(ReceiverEndpoint.accepting(
                topicBase.replace('.', '-'), WebhookSecrets.generate(), listener));
        return new Route(topicBase, List.of(new Route.Subscriber(
                pipeline.subscribe(topicBase, receiver.url(endpoint), endpoint.secret()), endpoint)));
    }

    private void phase(String name, Phase phase) {
        console.phase(name);
        try {
            phase.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            report.failed(name, e);
        } catch (Exception e) {
            console.line(name + " FAILED: " + e);
            e.printStackTrace(console.out());
            report.failed(name, e);
        }
    }
}
