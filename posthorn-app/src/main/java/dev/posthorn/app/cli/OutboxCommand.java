package dev.posthorn.app.cli;

import dev.posthorn.app.config.ConfigReader;
import dev.posthorn.app.config.Wiring;
import dev.posthorn.outbox.Outbox;
import dev.posthorn.outbox.SchemaReport;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "outbox", mixinStandardHelpOptions = true,
        description = "Install, check and prune the outbox schema.",
        subcommands = {OutboxCommand.Install.class, OutboxCommand.Check.class, OutboxCommand.Prune.class})
public final class OutboxCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = {"Create what is missing (idempotent): the tables, the publication and the replication",
                    "slot (so Postgres keeps every event's WAL from now on, even before the relay first runs);",
                    "migrates a jsonb payload column to json; with POSTHORN_SECRET_KEY set, re-seals subscription",
                    "secrets stored by older releases so that each is bound to its subscription."})
    static final class Install implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            ConfigReader config = Environment.read();
            Outbox outbox = Wiring.outboxForInstall(config);
            try (Connection c = Wiring.dataSource(config).getConnection()) {
                outbox.install(c);
            }
            System.out.println("schema installed in " + outbox.schema() + ", publication " + outbox.publication()
                    + ", replication slot " + outbox.slotName());
            return 0;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Check wal_level, tables, publication, replication slot and replication rights; exit 1 on",
                    "problems. Reports the WAL the slot retains and warns past POSTHORN_RELAY_SLOT_WAL_WARNING."})
    static final class Check implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            ConfigReader config = Environment.read();
            Outbox outbox = Wiring.outboxForCheck(config);
            SchemaReport report;
            try (Connection c = Wiring.dataSource(config).getConnection()) {
                report = outbox.check(c);
            }
            System.out.println(report.ok() ? "ok: the relay can read the outbox" : report.toString());
            report.retainedWalBytes().ifPresent(bytes -> System.out.println("replication slot " + outbox.slotName()
                    + " retains " + bytes + " bytes of WAL"));
            report.warnings().forEach(w -> System.out.println("warning: " + w));
            return report.ok() ? 0 : 1;
        }
    }

    @Command(name = "prune", mixinStandardHelpOptions = true,
            description = {"Delete outbox rows older than --older-than (only needed when rows are kept;",
                    "by default publish deletes the row in the same transaction)."})
    static final class Prune implements Callable<Integer> {
        @Option(names = "--older-than", defaultValue = "7d", converter = DurationConverter.class,
                description = "e.g. 24h, 7d (default ${DEFAULT-VALUE})")
        Duration olderThan;

        @Override
        public Integer call() throws Exception {
            long deleted = Environment.operations(Environment.read()).pruneOutbox(olderThan);
            System.out.println("deleted " + deleted + " outbox row(s) older than " + olderThan);
            return 0;
        }
    }

    static final class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return ConfigReader.parseDuration(value);
        }
    }
}
