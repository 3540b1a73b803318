package dev.posthorn.app;

import dev.posthorn.app.bench.BenchCommand;
import dev.posthorn.app.cli.AdminCommand;
import dev.posthorn.app.cli.AttemptsCommand;
import dev.posthorn.app.cli.EventsCommand;
import dev.posthorn.app.cli.ConfigCommand;
import dev.posthorn.app.cli.DeliverCommand;
import dev.posthorn.app.cli.DemoReceiverCommand;
import dev.posthorn.app.cli.DevCommand;
import dev.posthorn.app.cli.DlqCommand;
import dev.posthorn.app.cli.HealthCommand;
import dev.posthorn.app.cli.OutboxCommand;
import dev.posthorn.app.cli.PublishCommand;
import dev.posthorn.app.cli.RecoverCommand;
import dev.posthorn.app.cli.RelayCommand;
import dev.posthorn.app.cli.SubscriptionsCommand;
import dev.posthorn.app.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one Posthorn executable. Every command parses its configuration once, here at the edge, and
 * hands typed records to the services.
 */
@Command(
        name = "posthorn",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Transactional outbox → Kafka → signed webhooks.",
        subcommands = {
            DevCommand.class,
            RelayCommand.class,
            DeliverCommand.class,
            AdminCommand.class,
            DemoReceiverCommand.class,
            SubscriptionsCommand.class,
            PublishCommand.class,
            DlqCommand.class,
            RecoverCommand.class,
            EventsCommand.class,
            AttemptsCommand.class,
            OutboxCommand.class,
            BenchCommand.class,
            ConfigCommand.class,
            HealthCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        // Debezium and Kafka start non-daemon threads: leave explicitly, whatever happened.
        System.exit(execute(args));
    }

    /** Runs a command and returns its exit code (tests call this instead of main). */
    public static int execute(String... args) {
        return execute(new java.io.PrintWriter(System.err, true), args);
    }

    /** Runs a command with its error messages going to {@code err}. */
    public static int execute(java.io.PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ConfigException config) {
                commandLine.getErr().println("posthorn: " + config.getMessage());
                return 78; // EX_CONFIG
            }
            if (e instanceof UserError user) {
                commandLine.getErr().println("posthorn: " + user.getMessage());
                return 1;
            }
            if (e instanceof dev.posthorn.outbox.InvalidSubscriptionException
                    || e instanceof dev.posthorn.outbox.InvalidEventException) {
                // Refused before anything was written; the message names the field (never a secret or payload).
                commandLine.getErr().println("posthorn: " + e.getMessage());
                return 1;
            }
            // Anything else: one line naming the command and every cause (never a bare "null"); the
            // stack trace only when asked for with POSTHORN_LOG_LEVEL=DEBUG.
            commandLine.getErr().println("posthorn " + commandLine.getCommandName() + ": " + Failures.describe(e));
            if (java.util.Set.of("DEBUG", "TRACE").contains(String.valueOf(System.getenv("POSTHORN_LOG_LEVEL")))) {
                e.printStackTrace(commandLine.getErr());
            }
            return 1;
        });
        return cli.execute(args);
    }
}
