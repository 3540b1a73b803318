package dev.posthorn.app.cli;

import dev.posthorn.app.UserError;
import dev.posthorn.app.attempts.DeliveryLog;
import dev.posthorn.app.attempts.EventTimeline;
import dev.posthorn.delivery.attempts.AttemptRecord;
import java.io.PrintStream;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "events", mixinStandardHelpOptions = true,
        description = "Where is my webhook? An event's deliveries, attempt by attempt; resend one.",
        subcommands = {EventsCommand.Show.class, EventsCommand.Resend.class, EventsCommand.Bench.class})
public final class EventsCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "The event and, per subscription, each attempt with its time, status and error.")
    static final class Show implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "<event id>")
        String id;

        @Override
        public Integer call() throws Exception {
            UUID eventId = eventId(id, "events show");
            EventTimeline timeline;
            try {
                timeline = Environment.operations(Environment.read()).deliveryLog().event(eventId)
                        .orElseThrow(() -> new UserError("events show: no event " + eventId
                                + " (unknown, or older than what the events and attempts topics retain)"));
            } catch (IllegalArgumentException e) {
                throw new UserError("events show: no event " + eventId + ": not a Posthorn event id (those are"
                        + " time-ordered UUIDv7)");
            }
            print(timeline, System.out);
            return 0;
        }
    }

    @Command(name = "resend", mixinStandardHelpOptions = true,
            description = {"Deliver the event once more to one subscription, bypassing the inbox.",
                    "The new attempts are marked as a resend; receivers see X-Posthorn-Recovery: true."})
    static final class Resend implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "<event id>")
        String id;

        @Option(names = "--subscription", required = true, description = "subscription id")
        String subscription;

        @Override
        public Integer call() throws Exception {
            UUID eventId = eventId(id, "events resend");
            if (DeliveryLog.createdAt(eventId).isEmpty()) {
                throw new UserError("events resend: no event " + eventId + ": not a Posthorn event id");
            }
            boolean queued;
            try {
                queued = Environment.operations(Environment.read()).resend(eventId, SubscriptionsCommand.id(subscription));
            } catch (IllegalArgumentException e) {
                throw new UserError("events resend: " + e.getMessage().replaceFirst("^subscription:", "--subscription:"));
            }
            if (!queued) {
                throw new UserError("events resend: no event " + eventId + " on the events topic (unknown, or past"
                        + " its retention)");
            }
            System.out.println("resend of event " + eventId + " to subscription " + subscription + " queued;"
                    + " follow it with: posthorn events show " + eventId);
            return 0;
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = {"Times `events show` look-ups on a large log: writes N events and one attempt each over the",
                    "last --span to fresh topics, then looks up the oldest, a middle and the newest event and an",
                    "unknown id. Starts an in-process Kafka unless --kafka-bootstrap is given. Ends with one line:",
                    "LOOKUP events=… write_s=… old_ms=… middle_ms=… recent_ms=… unknown_ms=… (min..max of 3)"})
    static final class Bench implements Callable<Integer> {
        @Option(names = "--events", defaultValue = "1000000", description = "events to write (default ${DEFAULT-VALUE})")
        long events;

        @Option(names = "--span", defaultValue = "1h", description = "the events' creation times spread over this long up to now (default ${DEFAULT-VALUE})")
        String span;

        @Option(names = "--kafka-bootstrap", description = "a running Kafka to use instead of an in-process one")
        String bootstrap;

        @Override
        public Integer call() throws Exception {
            if (events < 3) {
                throw new UserError("events bench: --events: at least 3");
            }
            java.time.Duration spread;
            try {
                spread = dev.posthorn.app.config.ConfigReader.parseDuration(span);
            } catch (IllegalArgumentException e) {
                throw new UserError("events bench: --span: " + e.getMessage());
            }
            dev.posthorn.embedded.EmbeddedKafka kafka = bootstrap == null
                    ? dev.posthorn.embedded.EmbeddedKafka.startTemporary() : null;
            try {
                var result = dev.posthorn.app.attempts.LookupBenchmark.run(
                        bootstrap != null ? bootstrap : kafka.bootstrapServers(), events, spread, System.out);
                System.out.println(result.line());
            } finally {
                if (kafka != null) {
                    kafka.close();
                }
            }
            return 0;
        }
    }

    private static UUID eventId(String text, String command) {
        try {
            return UUID.fromString(text.trim());
        } catch (IllegalArgumentException e) {
            throw new UserError(command + ": <event id>: not an event id: " + text);
        }
    }

    /** A readable timeline: the event, then each subscription's attempts in order. */
    static void print(EventTimeline t, PrintStream out) {
        out.printf("event %s  %s  created %s%n", t.id(), t.topic(), t.createdAt());
        out.println("  payload " + (t.payload() == null ? "(no longer retained)" : t.payload().toString()));
        if (t.deliveries().isEmpty()) {
            out.println("  no subscription matched (and no attempt was recorded)");
        }
        for (EventTimeline.Delivery d : t.deliveries()) {
            out.printf("subscription %s  %s  → %s%n", d.subscription(), d.url(), d.state().wire().toUpperCase(java.util.Locale.ROOT));
            for (AttemptRecord a : d.attempts()) {
                out.printf("  #%d  %s  %s  %d ms  %s%s%s%n", a.attempt(), a.at(),
                        a.status() == null ? "---" : a.status().toString(), a.durationMs(), a.outcome().wire(),
                        a.resend() ? "  (resend)" : "", a.error() == null ? "" : "  " + a.error());
            }
        }
    }
}
