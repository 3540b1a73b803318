package dev.posthorn.app.bench;

import dev.posthorn.embedded.EmbeddedKafka;
import dev.posthorn.embedded.EmbeddedPostgres;
import dev.posthorn.embedded.Kafka;
import dev.posthorn.embedded.Postgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Postgres and Kafka a run uses: started here (embedded, stopped on close) or given by address
 * (left running on close). Embedded servers are also stopped when the JVM is interrupted (Ctrl-C,
 * SIGTERM): zonky's Postgres runs detached and would otherwise outlive the run.
 */
final class BenchServers implements AutoCloseable {

    private final Postgres postgres;
    private final Kafka kafka;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread stopAtExit = new Thread(this::close, "bench-servers-stop");

    private BenchServers(Postgres postgres, Kafka kafka) {
        this.postgres = postgres;
        this.kafka = kafka;
        Runtime.getRuntime().addShutdownHook(stopAtExit);
    }

    /** Starts what is not given, Postgres and Kafka side by side. */
    static BenchServers start(BenchSettings settings, Console console) {
        CompletableFuture<Kafka> kafka = CompletableFuture.supplyAsync(() -> settings.kafkaBootstrap()
                .map(Kafka::external)
                .orElseGet(() -> {
                    console.line("starting an in-process Kafka broker (KRaft)");
                    return EmbeddedKafka.startTemporary();
                }));
        Postgres postgres;
        try {
            postgres = settings.postgresUrl()
                    .map(url -> Postgres.external(url, settings.postgresUser(), settings.postgresPassword()))
                    .orElseGet(() -> {
                        console.line("starting an embedded Postgres (wal_level=logical)");
                        return EmbeddedPostgres.startTemporary();
                    });
        } catch (RuntimeException e) {
            kafka.thenAccept(Kafka::close);
            throw e;
        }
        try {
            BenchServers servers = new BenchServers(postgres, kafka.join());
            console.line("Postgres " + postgres.jdbcUrl() + ", Kafka " + servers.kafka.bootstrapServers());
            console.line(durability(postgres));
            return servers;
        } catch (RuntimeException e) {
            postgres.close();
            throw e;
        }
    }

    /**
     * The durability the figures were measured with, read from the server itself: commit latency and so
     * every throughput figure depend on it (the embedded cluster runs {@code fsync=off}: fast, not crash-safe).
     */
    static String durability(Postgres postgres) {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            return "Postgres durability: fsync=" + show(s, "fsync") + " synchronous_commit=" + show(s, "synchronous_commit")
                    + " full_page_writes=" + show(s, "full_page_writes")
                    + (postgres.embedded() ? " (the embedded cluster this run started)" : "");
        } catch (SQLException e) {
            return "Postgres durability: unknown (cannot read fsync / synchronous_commit: " + e.getMessage() + ")";
        }
    }

    private static String show(Statement s, String setting) throws SQLException {
        try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
            return rs.next() ? rs.getString(1) : "?";
        }
    }

    Postgres postgres() {
        return postgres;
    }

    Kafka kafka() {
        return kafka;
    }

    /** Whether the servers were started by this run (and so hold nothing but this run's data). */
    boolean embedded() {
        return postgres.embedded();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (Thread.currentThread() != stopAtExit) {
            Runtime.getRuntime().removeShutdownHook(stopAtExit);
        }
        try {
            kafka.close();
        } finally {
            postgres.close();
        }
    }
}
