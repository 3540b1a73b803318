package dev.posthorn.app.cli;

import dev.posthorn.app.UserError;
import dev.posthorn.outbox.Subscription;
import dev.posthorn.outbox.SubscriptionChange;
import dev.posthorn.outbox.SubscriptionOptions;
import dev.posthorn.outbox.SubscriptionPatch;
import dev.posthorn.outbox.Signing;
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
            SubscriptionsCommand.Update.class,
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

        @picocli.CommandLine.Mixin
        OptionFlags options;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Optional<String> given = givenSecret();
            SubscriptionOptions chosen = options.applyTo(SubscriptionPatch.builder()).build()
                    .applyTo(SubscriptionOptions.NONE);
            SubscriptionChange change = Environment.operations(Environment.read())
                    .addSubscription(topic, url, given, strictOrder, chosen);
            System.out.printf("%s subscription %s%n", change.created() ? "created" : "rotated secret of", change.id());
            change.generatedSecret().ifPresent(s ->
                    System.out.println("secret (shown once, give it to the receiver): " + s));
            change.publicKey().ifPresent(k -> System.out.println("public key (give it to the receiver; list shows it): " + k));
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

    /** Delivery options shared by {@code add} and {@code update}. */
    static final class OptionFlags {
        @Option(names = "--filter", paramLabel = "JSON", description = {
                "deliver only events matching this filter over the envelope, e.g. '{\"payload.status\":\"paid\"}'",
                "(equality, $in, $nin, $exists, $gt, $gte, $lt, $lte, $eq, $ne, $and, $or; see the README)"})
        String filter;

        @Option(names = "--no-filter", description = "update: remove the filter (deliver every event)")
        boolean noFilter;

        @Option(names = "--header", paramLabel = "NAME=VALUE", description = {
                "a static header sent on every attempt (repeatable, at most 16); update: replaces all custom headers"})
        java.util.List<String> headers;

        @Option(names = "--no-headers", description = "update: remove every custom header")
        boolean noHeaders;

        @Option(names = "--rate-limit", paramLabel = "N", description = "at most N requests per second to the subscription")
        Integer rateLimit;

        @Option(names = "--no-rate-limit", description = "update: remove the rate limit")
        boolean noRateLimit;

        @Option(names = "--signing", paramLabel = "hmac|ed25519|both", description = {
                "how deliveries are signed: hmac (default), ed25519 (Standard Webhooks v1a; Posthorn generates the",
                "key pair and prints the public key), or both"})
        String signing;

        SubscriptionPatch.Builder applyTo(SubscriptionPatch.Builder patch) {
            if (filter != null && noFilter || headers != null && noHeaders || rateLimit != null && noRateLimit) {
                throw new UserError("give an option or its --no- form, not both");
            }
            if (filter != null || noFilter) {
                patch.filter(Optional.ofNullable(filter));
            }
            if (headers != null || noHeaders) {
                java.util.Map<String, String> map = new java.util.LinkedHashMap<>();
                for (String header : headers == null ? java.util.List.<String>of() : headers) {
                    int eq = header.indexOf('=');
                    if (eq <= 0) {
                        throw new UserError("--header: expected NAME=VALUE, got '" + header + "'");
                    }
                    if (map.put(header.substring(0, eq).strip(), header.substring(eq + 1)) != null) {
                        throw new UserError("--header: " + header.substring(0, eq).strip() + " is given twice");
                    }
                }
                patch.headers(map);
            }
            if (rateLimit != null || noRateLimit) {
                patch.rateLimit(Optional.ofNullable(rateLimit));
            }
            if (signing != null) {
                patch.signing(Signing.parse(signing));
            }
            return patch;
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
            description = {"Change a subscription's delivery options (not its topic, URL or secret; no rotation).",
                    "Options not given stay as they are; the change reaches every delivery instance."})
    static final class Update implements java.util.concurrent.Callable<Integer> {
        @Parameters(index = "0", description = "subscription id")
        String id;

        @picocli.CommandLine.Mixin
        OptionFlags options;

        @Option(names = "--strict-order", paramLabel = "true|false", arity = "1",
                description = "deliver strictly in order per aggregate key")
        Boolean strictOrder;

        @Override
        public Integer call() throws Exception {
            SubscriptionPatch.Builder patch = options.applyTo(SubscriptionPatch.builder());
            if (strictOrder != null) {
                patch.strictOrder(strictOrder);
            }
            SubscriptionPatch built = patch.build();
            if (built.isEmpty()) {
                throw new UserError("nothing to change: give --filter, --header, --rate-limit, --signing, --strict-order or a --no- form");
            }
            Subscription updated = Environment.operations(Environment.read()).updateSubscription(id(id), built)
                    .orElseThrow(() -> new UserError("no subscription " + id));
            System.out.println("updated subscription " + updated.id());
            System.out.println("  " + describe(updated));
            return 0;
        }
    }

    /** The options of a subscription in one line; custom headers by name only (their values may be credentials). */
    static String describe(Subscription s) {
        List<String> parts = new java.util.ArrayList<>();
        s.options().filter().ifPresent(f -> parts.add("filter=" + f));
        if (!s.options().headers().isEmpty()) {
            parts.add("headers=" + String.join(",", s.options().headers().keySet()));
        }
        s.options().rateLimit().ifPresent(r -> parts.add("rate_limit=" + r + "/s"));
        if (s.strictOrder()) {
            parts.add("strict_order");
        }
        if (s.options().signing() != Signing.HMAC) {
            parts.add("signing=" + s.options().signing().text());
        }
        s.publicKey().ifPresent(k -> parts.add("public_key=" + k));
        return parts.isEmpty() ? "no options" : String.join("  ", parts);
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
                String options = describe(s);
                if (!options.equals("no options")) {
                    System.out.println("    " + options);
                }
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
            change.publicKey().ifPresent(k -> System.out.println("public key: " + k
                    + " (the previous key keeps signing for the grace period)"));
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
