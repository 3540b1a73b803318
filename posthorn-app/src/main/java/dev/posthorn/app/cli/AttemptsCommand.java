package dev.posthorn.app.cli;

import dev.posthorn.app.UserError;
import dev.posthorn.app.attempts.AttemptFilter;
import dev.posthorn.app.attempts.AttemptPage;
import dev.posthorn.app.config.ConfigReader;
import dev.posthorn.delivery.attempts.AttemptRecord;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "attempts", mixinStandardHelpOptions = true,
        description = "A subscription's delivery attempts from the delivery log, a page at a time.")
public final class AttemptsCommand implements Callable<Integer> {

    @Option(names = "--subscription", required = true, description = "subscription id")
    String subscription;

    @Option(names = "--failed", description = "only attempts that did not deliver")
    boolean failed;

    @Option(names = "--since", description = "attempts since this long ago (1h, 30m, 2d) or this ISO-8601 instant")
    String since;

    @Option(names = "--limit", defaultValue = "100", description = "attempts per page (at most 1000; default ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--cursor", description = "where the page starts, as the previous page printed")
    String cursor;

    @Override
    public Integer call() {
        AttemptFilter filter = new AttemptFilter(since(since), Optional.empty(), failed ? AttemptFilter.FAILED : Set.of());
        AttemptPage page;
        try {
            page = Environment.operations(Environment.read()).deliveryLog()
                    .subscriptionAttempts(SubscriptionsCommand.id(subscription), filter, limit, cursor);
        } catch (IllegalArgumentException e) {
            throw new UserError("attempts: " + e.getMessage().replaceFirst("^(limit|cursor):", "--$1:"));
        }
        for (AttemptRecord a : page.items()) {
            System.out.printf("%s  event=%s  %s  #%d  %s  %d ms  %s%s%s%n", a.at(), a.eventId(), a.eventTopic(),
                    a.attempt(), a.status() == null ? "---" : a.status().toString(), a.durationMs(), a.outcome().wire(),
                    a.resend() ? "  (resend)" : "", a.error() == null ? "" : "  " + a.error());
        }
        System.out.println(page.items().size() + " attempt(s)" + page.nextCursor().map(c -> "; more with --cursor " + c).orElse(""));
        return 0;
    }

    private static Optional<Instant> since(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(text.trim()));
        } catch (DateTimeParseException notAnInstant) {
            try {
                return Optional.of(Instant.now().minus(ConfigReader.parseDuration(text.trim())));
            } catch (IllegalArgumentException e) {
                throw new UserError("attempts: --since: expected a duration such as 1h or an ISO-8601 instant (got "
                        + text + ")");
            }
        }
    }
}
