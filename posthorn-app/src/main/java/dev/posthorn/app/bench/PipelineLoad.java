package dev.posthorn.app.bench;

import dev.posthorn.embedded.Postgres;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Closed-loop load through the pipeline: application threads commit events on a route as fast as
 * they can, then the phase waits until the awaited subscribers have every event (or the drain
 * timeout cuts it off). Throughput counts the awaited subscribers' deliveries from the first commit
 * to the last receipt.
 */
final class PipelineLoad {

    /**
     * What a load run measured and what it left owed for the ledger; {@code cutOff} names what the
     * drain timeout cut off (empty when every awaited subscriber got every event).
     */
    /** {@code postgresCpuMsPerK}: Postgres CPU per 1,000 events from the first commit to the drain (NaN if unread). */
    record Outcome(Throughput throughput, double postgresCpuMsPerK, OwedDeliveries owed, List<String> cutOff) {}

    private final BenchSettings settings;
    private final PosthornPipeline pipeline;
    private final Postgres postgres;
    private final Console console;
    private final CpuMeter cpu;

    PipelineLoad(BenchSettings settings, PosthornPipeline pipeline, Postgres postgres, Console console) {
        this.settings = settings;
        this.pipeline = pipeline;
        this.postgres = postgres;
        this.console = console;
        this.cpu = CpuMeter.of(postgres);
    }

    /** Every subscriber of the route is awaited and counted. */
    Outcome run(String phase, Route route, long events, int eventsPerTransaction) throws SQLException, InterruptedException {
        return run(phase, route, events, eventsPerTransaction, route.subscribers());
    }

    @SuppressWarnings("try") // the progress handle is only closed
    Outcome run(String phase, Route route, long events, int eventsPerTransaction, List<Route.Subscriber> awaited)
            throws SQLException, InterruptedException {
        CommitLoop app = new CommitLoop(postgres, settings.appThreads(), events, eventsPerTransaction, CommitLoop.Pacing.ASAP);
        List<String> cutOff = new ArrayList<>();
        DeliveryCounters.Responses responsesBefore = pipeline.responses();
        CpuMeter.Reading cpuBefore = cpu.read();
        Map<String, Long> requestsBefore = BrokerRequests.read();
        try (Console.Progress progress = console.progress(() -> phase + ": committed " + app.committed() + "/" + events
                + ", received " + received(awaited) + "/" + events * awaited.size() + "; " + pipeline.status())) {
            app.run(new EventPublisher(pipeline.outbox(), route.eventTopic()));
            long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
            for (Route.Subscriber subscriber : awaited) {
                if (!subscriber.endpoint().awaitDistinct(events, deadline)) {
                    String line = phase + ": cut off with " + subscriber.endpoint().distinctEvents() + " of " + events
                            + " delivered to " + subscriber.endpoint().name();
                    console.line(line);
                    cutOff.add(line);
                }
            }
        }
        CpuMeter.PerEvent cpuPerEvent = CpuMeter.perEvent(cpuBefore, cpu.read(), events);
        String requests = BrokerRequests.perEvent(requestsBefore, BrokerRequests.read(), events);
        long last = awaited.stream().mapToLong(s -> s.endpoint().lastReceiptNanos()).max().orElse(0);
        Throughput throughput = new Throughput(received(awaited), app.firstCommitNanos(), last);
        String responseTime = phase + ": endpoints answered in "
                + BenchResult.millis(pipeline.responses().meanMillisSince(responsesBefore)) + " ms on average";
        if (awaited.size() == 1) {
            // With every slot busy all the time, this is how long one delivery kept its slot.
            responseTime += "; time per delivery and slot <= " + BenchResult.millis(
                    settings.concurrency() * 1000 / throughput.eventsPerSecond()) + " ms (" + settings.concurrency()
                    + " slots per endpoint)";
        }
        console.line(responseTime);
        cpuPerEvent.print(console, phase, "app, relay, Kafka broker, delivery, receiver");
        if (!requests.isEmpty()) {
            console.line(phase + ": " + requests);
        }
        return new Outcome(throughput, cpuPerEvent.postgresMicros(),
                new OwedDeliveries(phase, route, app.committedIds()), cutOff);
    }

    private static long received(List<Route.Subscriber> subscribers) {
        return subscribers.stream().mapToLong(s -> s.endpoint().distinctEvents()).sum();
    }
}
