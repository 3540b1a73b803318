package dev.posthorn.app.cli;

import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "recover", mixinStandardHelpOptions = true,
        description = {"Re-deliver to one subscription every matching event still retained on <prefix>.events",
                "in a time range, bypassing the inbox. Receivers see the header X-Posthorn-Recovery: true."})
public final class RecoverCommand implements Callable<Integer> {

    @Option(names = "--subscription", required = true, description = "subscription id")
    String subscription;

    @Option(names = "--since", required = true, description = "events created at or after this ISO-8601 instant")
    Instant since;

    @Option(names = "--until", description = "events created at or before this ISO-8601 instant (default: now)")
    Instant until;

    @Override
    public Integer call() throws Exception {
        long count = Environment.operations(Environment.read()).recover(SubscriptionsCommand.id(subscription), since,
                until == null ? Instant.now() : until, new ProgressBar(System.err, "scanning events"));
        System.out.println("re-queued " + count + " event(s) for subscription " + subscription);
        return 0;
    }
}
