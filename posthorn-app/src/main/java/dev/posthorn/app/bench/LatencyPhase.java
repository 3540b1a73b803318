package dev.posthorn.app.bench;

import dev.posthorn.embedded.Postgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Open-loop latency: events committed one per transaction at a fixed rate, each due at its
 * {@link OpenLoopSchedule scheduled} time; latency runs from that time to the event's first
 * receipt, so time the generator lost (slow commits, pauses) counts against the pipeline rather
 * than disappearing (coordinated omission). Events not received by the cut-off enter the histogram
 * at the age they had reached.
 */
final class LatencyPhase {

    /** What the phase measured and left owed, plus how far the generator fell behind its schedule. */
    record Outcome(LatencySummary latency, OwedDeliveries owed, double generatorMaxLagMs, List<String> cutOff) {}

    private static final long START_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final BenchSettings settings;
    private final PosthornPipeline pipeline;
    private final Postgres postgres;
    private final Console console;

    LatencyPhase(BenchSettings settings, PosthornPipeline pipeline, Postgres postgres, Console console) {
        this.settings = settings;
        this.pipeline = pipeline;
        this.postgres = postgres;
        this.console = console;
    }

    /** Runs on a route with one subscriber, whose endpoint reports first receipts to {@code recorder}. */
    @SuppressWarnings("try") // the progress handle is only closed
    Outcome run(Route route, LatencyRecorder recorder) throws SQLException, InterruptedException {
        ReceiverEndpoint endpoint = route.subscribers().get(0).endpoint();
        OpenLoopSchedule schedule = new OpenLoopSchedule(System.nanoTime() + START_MARGIN_NANOS, settings.rate());
        long events = schedule.eventsWithin(settings.latencyDuration().toNanos());
        AtomicLong maxLagNanos = new AtomicLong();
        CommitLoop app = new CommitLoop(postgres, settings.appThreads(), events, 1, schedule::scheduledNanos);
        EventPublisher publisher = new EventPublisher(pipeline.outbox(), route.eventTopic());
        CommitLoop.Writer scheduledPublisher = (Connection connection, long sequence, int count) -> {
            long due = schedule.scheduledNanos(sequence);
            maxLagNanos.accumulateAndGet(System.nanoTime() - due, Math::max);
            List<UUID> ids = publisher.write(connection, sequence, count);
            recorder.scheduled(ids.get(0).toString(), due);
            return ids;
        };
        Instant relayedFrom = Instant.now().minusSeconds(1);
        console.line("latency: " + events + " events at " + BenchResult.rate(settings.rate()) + " events/s over "
                + settings.latencyDuration().toSeconds() + " s");
        List<String> cutOff = new ArrayList<>();
        try (Console.Progress progress = console.progress(() -> "latency: committed " + app.committed() + "/" + events
                + ", received " + endpoint.distinctEvents() + ", p99 so far "
                + BenchResult.millis(recorder.p99MillisSoFar()) + " ms (since the last line p99/max "
                + recorder.p99AndMaxMillisSinceLastAsked() + " ms); " + pipeline.status())) {
            app.run(scheduledPublisher);
            if (!endpoint.awaitDistinct(events, System.nanoTime() + settings.drainTimeout().toNanos())) {
                String line = "latency: cut off with " + endpoint.distinctEvents() + " of " + events + " received";
                console.line(line);
                cutOff.add(line);
            }
        }
        LatencySummary summary = recorder.summarise(endpoint, System.nanoTime());
        try {
            console.line("latency: " + LatencyStages.describe(LatencyStages.measure(pipeline.kafkaBootstrap(),
                    pipeline.topics(), recorder.dueWallMillis(), recorder.receivedWallMillis(), relayedFrom)));
        } catch (RuntimeException e) {
            console.line("latency: stages not read back (" + e.getMessage() + ")");
        }
        return new Outcome(summary,
                new OwedDeliveries("latency", route, app.committedIds()), maxLagNanos.get() / 1e6, cutOff);
    }
}
