package dev.posthorn.app.cli;

import dev.posthorn.app.ops.DeadLetter;
import dev.posthorn.app.ops.DeadLetterFilter;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "dlq", mixinStandardHelpOptions = true,
        description = "Inspect and replay the dead-letter topic.",
        subcommands = {DlqCommand.ListCommand.class, DlqCommand.Replay.class})
public final class DlqCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The filter options both subcommands take. */
    static final class FilterOptions {
        @Option(names = "--subscription", description = "only this subscription id")
        String subscription;

        @Option(names = "--since", description = "dead-lettered at or after this ISO-8601 instant")
        Instant since;

        @Option(names = "--until", description = "dead-lettered at or before this ISO-8601 instant")
        Instant until;

        DeadLetterFilter filter() {
            return new DeadLetterFilter(Optional.ofNullable(subscription).map(SubscriptionsCommand::id),
                    Optional.ofNullable(since), Optional.ofNullable(until));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List dead letters.")
    static final class ListCommand implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        FilterOptions options = new FilterOptions();

        @Override
        public Integer call() {
            List<DeadLetter> letters = Environment.operations(Environment.read()).listDeadLetters(options.filter());
            for (DeadLetter d : letters) {
                System.out.printf("%s  event=%s  subscription=%s  topic=%s  attempts=%d  reason=%s  last=%s%n",
                        d.deadLetteredAt(), d.eventId(), d.subscriptionId(), d.topic(), d.attempts(), d.reason(),
                        d.lastStatus() != null ? "HTTP " + d.lastStatus() : d.lastError());
            }
            System.out.println(letters.size() + " dead letter(s)");
            return 0;
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Re-queue matching dead letters for delivery now (the inbox still stops duplicates).")
    static final class Replay implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        FilterOptions options = new FilterOptions();

        @Override
        public Integer call() {
            long count = Environment.operations(Environment.read())
                    .replayDeadLetters(options.filter(), new ProgressBar(System.err, "replaying"));
            System.out.println("re-queued " + count + " dead letter(s)");
            return 0;
        }
    }
}
