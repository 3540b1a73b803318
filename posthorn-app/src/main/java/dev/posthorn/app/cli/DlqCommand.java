package dev.posthorn.app.cli;

import dev.posthorn.app.ops.DeadLetter;
import dev.posthorn.app.ops.DeadLetterFilter;
import dev.posthorn.app.ops.DeadLetterPage;
import dev.posthorn.app.ops.ReplayResult;
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

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List dead letters, a page at a time.")
    static final class ListCommand implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        FilterOptions options = new FilterOptions();

        @Option(names = "--limit", defaultValue = "100", description = "dead letters per page (at most 1000; default ${DEFAULT-VALUE})")
        int limit;

        @Option(names = "--cursor", description = "where the page starts, as the previous page printed")
        String cursor;

        @Override
        public Integer call() {
            DeadLetterPage page;
            try {
                page = Environment.operations(Environment.read()).listDeadLetters(options.filter(), limit, cursor);
            } catch (IllegalArgumentException e) { // a bad --limit or --cursor, named in the message
                throw new dev.posthorn.app.UserError("dlq list: " + e.getMessage().replaceFirst("^(limit|cursor):", "--$1:"));
            }
            List<DeadLetter> letters = page.items();
            for (DeadLetter d : letters) {
                System.out.printf("%s  event=%s  subscription=%s  topic=%s  attempts=%d  reason=%s  last=%s%n",
                        d.deadLetteredAt(), d.eventId(), d.subscriptionId(), d.topic(), d.attempts(), d.reason(),
                        d.lastStatus() != null ? "HTTP " + d.lastStatus() : d.lastError());
            }
            System.out.println(letters.size() + " dead letter(s)"
                    + page.nextCursor().map(c -> "; more with --cursor " + c).orElse(""));
            return 0;
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Re-queue matching dead letters for delivery now (the inbox still stops duplicates). "
                    + "Needs a filter or --all; a letter replayed before is skipped unless --force.")
    static final class Replay implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        FilterOptions options = new FilterOptions();

        @Option(names = "--all", description = "replay every dead letter (no filter)")
        boolean all;

        @Option(names = "--force", description = "replay letters an earlier replay re-queued already")
        boolean force;

        @Override
        public Integer call() {
            if (!all && options.filter().isEmpty()) {
                throw new dev.posthorn.app.UserError("dlq replay: say what to replay with --subscription, --since or"
                        + " --until, or replay every dead letter with --all");
            }
            ReplayResult result = Environment.operations(Environment.read())
                    .replayDeadLetters(options.filter(), all, force, new ProgressBar(System.err, "replaying"));
            System.out.println("re-queued " + result.requeued() + " dead letter(s)"
                    + (result.alreadyReplayed() > 0 ? "; skipped " + result.alreadyReplayed()
                            + " replayed before (--force replays them again)" : "")
                    + (result.notReplayable() > 0 ? "; " + result.notReplayable()
                            + " malformed event(s) name no subscription and cannot be replayed" : ""));
            return 0;
        }
    }
}
