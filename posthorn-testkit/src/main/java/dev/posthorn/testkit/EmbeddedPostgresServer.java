package dev.posthorn.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Postgres (zonky embedded binaries, Postgres 17) configured for logical replication.
 *
 * <p>With a persistent data directory the cluster is reused across starts; a server left running by
 * a JVM that was killed (zonky detaches the postmaster) is stopped before the new one starts.
 */
public final class EmbeddedPostgresServer implements PostgresServer {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

    private final EmbeddedPostgres postgres;
    private final Path dataDirectory;
    private final long postmasterPid;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path dataDirectory) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
        this.postmasterPid = TestProcesses.postmasterPid(dataDirectory).orElse(-1L);
    }

    /** Starts a throwaway server on a free port in a fresh temporary directory. */
    public static EmbeddedPostgresServer startTemporary() {
        try {
            // A throwaway test cluster: written down so that .ci/run stops it if this JVM is killed.
            return TestProcesses.register(start(Files.createTempDirectory("posthorn-pg-"), 0, false));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for Postgres", e);
        }
    }

    /**
     * Starts a server.
     *
     * @param dataDirectory where the cluster lives
     * @param port the port, or 0 for a free one
     * @param keepData reuse an existing cluster in {@code dataDirectory} (and keep it after close)
     */
    public static EmbeddedPostgresServer start(Path dataDirectory, int port, boolean keepData) {
        stopLeftover(dataDirectory);
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(!keepData)
                    .setServerConfig("wal_level", "logical")
                    .setServerConfig("max_replication_slots", "64")
                    .setServerConfig("max_wal_senders", "64")
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("wal_sender_timeout", "30s")
                    .setServerConfig("fsync", "off")
                    // zonky turns synchronous_commit off; turn it back on. Logical decoding only sends flushed
                    // WAL, so with it off every commit waited for the WAL writer's next round (200 ms apart,
                    // measured 110 ms on average) before the relay saw it. With fsync off the flush is a write.
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "off")
                    .setPGStartupWait(java.time.Duration.ofSeconds(60))
                    // The owner stops it: zonky's own hook would race the services still using it at exit.
                    .setRegisterShutdownHook(false);
            if (port > 0) {
                builder.setPort(port);
            }
            return new EmbeddedPostgresServer(builder.start(), dataDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded Postgres in " + dataDirectory, e);
        }
    }

    /** A postmaster.pid left by a killed JVM names a detached server still holding the directory. */
    private static void stopLeftover(Path dataDirectory) {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        try {
            List<String> lines = Files.readAllLines(pidFile);
            if (lines.isEmpty()) {
                return;
            }
            long pid = Long.parseLong(lines.get(0).trim());
            Optional<ProcessHandle> leftover = ProcessHandle.of(pid);
            if (leftover.isPresent() && leftover.get().isAlive()) {
                log.warn("Stopping a Postgres (pid {}) left running in {} by an earlier run", pid, dataDirectory);
                leftover.get().destroy();
                leftover.get().onExit().get(20, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(pidFile);
        } catch (Exception e) {
            log.warn("Could not clean up a leftover Postgres in {}: {}", dataDirectory, e.toString());
        }
    }

    @Override
    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres";
    }

    @Override
    public String user() {
        return "postgres";
    }

    @Override
    public String password() {
        return "postgres";
    }

    @Override
    public String host() {
        return "localhost";
    }

    @Override
    public int port() {
        return postgres.getPort();
    }

    @Override
    public String database() {
        return "postgres";
    }

    long postmasterPid() {
        return postmasterPid;
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    @Override
    public void close() {
        try {
            postgres.close();
            TestProcesses.forgetPostgres(postmasterPid);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stop embedded Postgres", e);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedPostgresServer[" + jdbcUrl() + "]";
    }
}
