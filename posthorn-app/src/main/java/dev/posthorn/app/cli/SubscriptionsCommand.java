package dev.posthorn.app.cli;

import dev.posthorn.app.UserError;
import dev.posthorn.outbox.Subscription;
import dev.posthorn.outbox.SubscriptionChange;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "subscriptions", mixinStandardHelpOptions = true,
        description = "Manage webhook subscriptions (in the posthorn_subscriptions table).",
        subcommands = {
            SubscriptionsCommand.Add.class,
            SubscriptionsCommand.ListCommand.class,
            SubscriptionsCommand.Rotate.class,
            SubscriptionsCommand.Remove.class,
            SubscriptionsCommand.Enable.class,
            SubscriptionsCommand.Disable.class
        })
public final class SubscriptionsCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static UUID id(String raw) {
        try {
            return UUID.fromString(raw);
        } catch (IllegalArgumentException e) {
            throw new UserError("not a subscription id: " + raw);
        }
    }

    /** Prints what was done, or fails naming the id when there is no such subscription. */
    static void report(boolean found, String done, String id) {
        if (!found) {
            throw new UserError("no subscription " + id);
        }
        System.out.println(done + " subscription " + id);
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Subscribe a URL to a topic (exact, `prefix.*`, or `*`).",
                    "Adding the same topic and URL again rotates the secret; the old one keeps signing for 24 h."})
    static final class Add implements java.util.concurrent.Callable<Integer> {
        @Parameters(index = "0", description = "topic, e.g. invoice.created or invoice.*")
        String topic;

        @Parameters(index = "1", description = "http(s) URL to POST to")
        String url;

        @Option(names = "--secret", paramLabel = "SECRET", description = {
                "use this secret instead of generating one (whsec_… recommended). Other users of this machine",
                "see the command line (ps) and the shell keeps it in its history: prefer --secret-stdin or --secret-env"})
        String secret;

        @Option(names = "--secret-stdin", description = {"read the secret from standard input (one line), e.g.",
                "printf '%%s' \"$WEBHOOK_SECRET\" | posthorn subscriptions add invoice.* https://…/hooks --secret-stdin"})
        boolean secretStdin;

        @Option(names = "--secret-env", paramLabel = "NAME", description = {
                "read the secret from the environment variable NAME (not a POSTHORN_ key, e.g. WEBHOOK_SECRET)"})
        String secretEnv;

        @Option(names = "--strict-order", description = "deliver strictly in order per aggregate key")
        boolean strictOrder;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Optional<String> given = givenSecret();
            SubscriptionChange change = Environment.operations(Environment.read())
                    .addSubscription(topic, url, given, strictOrder);
            System.out.printf("%s subscription %s%n", change.created() ? "created" : "rotated secret of", change.id());
            change.generatedSecret().ifPresent(s ->
                    System.out.println("secret (shown once, give it to the receiver): " + s));
            return 0;
        }

        /** The secret from --secret, --secret-stdin or --secret-env (at most one), or empty to have one generated. */
        private Optional<String> givenSecret() throws java.io.IOException {
            int sources = (secret != null ? 1 : 0) + (secretStdin ? 1 : 0) + (secretEnv != null ? 1 : 0);
            if (sources > 1) {
                throw new UserError("give the secret in one way only: --secret, --secret-stdin or --secret-env");
            }
            if (secret != null) {
                spec.commandLine().getErr().println("posthorn: warning: a secret given with --secret is visible to other"
                        + " users of this machine while the command runs, and stays in the shell history;"
                        + " prefer --secret-stdin or --secret-env");
                return Optional.of(secret);
            }
            if (secretStdin) {
                String line = new String(System.in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
                if (line.isEmpty()) {
                    throw new UserError("--secret-stdin: standard input was empty; pipe the secret in, e.g."
                            + " printf '%s' \"$WEBHOOK_SECRET\" | posthorn subscriptions add … --secret-stdin");
                }
                return Optional.of(line);
            }
            if (secretEnv != null) {
                String value = Environment.variable(secretEnv).map(String::strip).orElse("");
                if (value.isEmpty()) {
                    throw new UserError("--secret-env: environment variable " + secretEnv + " is not set or empty");
                }
                return Optional.of(value);
            }
            return Optional.empty();
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List subscriptions (never their secrets).")
    static final class ListCommand implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            List<Subscription> all = Environment.operations(Environment.read()).listSubscriptions();
            System.out.printf("%-36s  %-8s  %-24s  %s%n", "ID", "STATE", "TOPIC", "URL");
            for (Subscription s : all) {
                System.out.printf("%-36s  %-8s  %-24s  %s%s%n", s.id(), s.enabled() ? "enabled" : "disabled",
                        s.topic(), s.url(), s.disabledReason().map(r -> "  (" + r + ")").orElse(""));
            }
            return 0;
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = "Generate a new secret; the previous one keeps signing for the grace period (24 h).")
    static final class Rotate implements java.util.concurrent.Callable<Integer> {
        @Parameters(index = "0", description = "subscription id")
        String id;

        @Override
        public Integer call() throws Exception {
            SubscriptionChange change = Environment.operations(Environment.read()).rotateSubscription(id(id))
                    .orElseThrow(() -> new UserError("no subscription " + id));
            System.out.println("rotated secret of subscription " + change.id());
            change.generatedSecret().ifPresent(s -> System.out.println("new secret (shown once): " + s));
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Delete a subscription.")
    static final class Remove implements java.util.concurrent.Callable<Integer> {
        @Parameters(index = "0", description = "subscription id")
        String id;

        @Override
        public Integer call() throws Exception {
            report(Environment.operations(Environment.read()).removeSubscription(id(id)), "removed", id);
            return 0;
        }
    }

    @Command(name = "enable", mixinStandardHelpOptions = true, description = "Enable a disabled subscription.")
    static final class Enable implements java.util.concurrent.Callable<Integer> {
        @Parameters(index = "0", description = "subscription id")
        String id;

        @Override
        public Integer call() throws Exception {
            report(Environment.operations(Environment.read()).enableSubscription(id(id)), "enabled", id);
            return 0;
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true, description = "Disable a subscription with a reason.")
    static final class Disable implements java.util.concurrent.Callable<Integer> {
        @Parameters(index = "0", description = "subscription id")
        String id;

        @Option(names = "--reason", defaultValue = "disabled by operator", description = "why (shown in list)")
        String reason;

        @Override
        public Integer call() throws Exception {
            report(Environment.operations(Environment.read()).disableSubscription(id(id), reason), "disabled", id);
            return 0;
        }
    }
}
