package dev.posthorn.app.bench;

import dev.posthorn.testkit.EmbeddedKafkaBroker;
import dev.posthorn.testkit.EmbeddedPostgresServer;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PostgresServer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Postgres and Kafka a run uses: started here (embedded, stopped on close) or given by address
 * (left running on close). Embedded servers are also stopped when the JVM is interrupted (Ctrl-C,
 * SIGTERM): zonky's Postgres runs detached and would otherwise outlive the run.
 */
final class BenchServers implements AutoCloseable {

    private final PostgresServer postgres;
    private final KafkaBroker kafka;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread stopAtExit = new Thread(this::close, "bench-servers-stop");

    private BenchServers(PostgresServer postgres, KafkaBroker kafka) {
        this.postgres = postgres;
        this.kafka = kafka;
        Runtime.getRuntime().addShutdownHook(stopAtExit);
    }

    /** Starts what is not given, Postgres and Kafka side by side. */
    static BenchServers start(BenchSettings settings, Console console) {
        CompletableFuture<KafkaBroker> kafka = CompletableFuture.supplyAsync(() -> settings.kafkaBootstrap()
                .map(KafkaBroker::external)
                .orElseGet(() -> {
                    console.line("starting an in-process Kafka broker (KRaft)");
                    return EmbeddedKafkaBroker.startTemporary();
                }));
        PostgresServer postgres;
        try {
            postgres = settings.postgresUrl()
                    .map(url -> PostgresServer.external(url, settings.postgresUser(), settings.postgresPassword()))
                    .orElseGet(() -> {
                        console.line("starting an embedded Postgres (wal_level=logical)");
                        return EmbeddedPostgresServer.startTemporary();
                    });
        } catch (RuntimeException e) {
            kafka.thenAccept(KafkaBroker::close);
            throw e;
        }
        try {
            BenchServers servers = new BenchServers(postgres, kafka.join());
            console.line("Postgres " + postgres.jdbcUrl() + ", Kafka " + servers.kafka.bootstrapServers());
            return servers;
        } catch (RuntimeException e) {
            postgres.close();
            throw e;
        }
    }

    PostgresServer postgres() {
        return postgres;
    }

    KafkaBroker kafka() {
        return kafka;
    }

    /** Whether the servers were started by this run (and so hold nothing but this run's data). */
    boolean embedded() {
        return postgres instanceof EmbeddedPostgresServer;
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
