package dev.posthorn.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
public final class EmbeddedPostgres implements Postgres {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);

    private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres;
    private final Path dataDirectory;
    private final boolean fsync;

    private EmbeddedPostgres(io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres, Path dataDirectory,
            boolean fsync) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
        this.fsync = fsync;
    }

    /** Starts a throwaway server on a free port in a fresh temporary directory. */
    public static EmbeddedPostgres startTemporary() {
        try {
            return start(Files.createTempDirectory("posthorn-pg-"), 0, false);
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
    public static EmbeddedPostgres start(Path dataDirectory, int port, boolean keepData) {
        return start(dataDirectory, port, keepData, false);
    }

    /**
     * Starts a server, choosing whether it survives a crash.
     *
     * <p>{@code fsync=false} ({@code fsync=off}, {@code full_page_writes=off}) is fast and fine for a cluster
     * nobody crashes. A test that kills the postmaster (or the machine) needs {@code fsync=true}
     * ({@code fsync=on}, {@code full_page_writes=on}): a commit that returned is then on disk.
     *
     * @param fsync {@code true} for a crash-safe cluster
     */
    public static EmbeddedPostgres start(Path dataDirectory, int port, boolean keepData, boolean fsync) {
        stopLeftover(dataDirectory);
        try {
            io.zonky.test.db.postgres.embedded.EmbeddedPostgres.Builder builder =
                    io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(!keepData)
                    .setServerConfig("wal_level", "logical")
                    .setServerConfig("max_replication_slots", "64")
                    .setServerConfig("max_wal_senders", "64")
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("wal_sender_timeout", "30s")
                    .setServerConfig("fsync", fsync ? "on" : "off")
                    // zonky turns synchronous_commit off; turn it back on. Logical decoding only sends flushed
                    // WAL, so with it off every commit waited for the WAL writer's next round (200 ms apart,
                    // measured 110 ms on average) before the relay saw it. With fsync off the flush is a write.
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", fsync ? "on" : "off")
                    .setPGStartupWait(Duration.ofSeconds(60))
                    // The owner stops it: zonky's own hook would race the services still using it at exit.
                    .setRegisterShutdownHook(false);
            if (port > 0) {
                builder.setPort(port);
            }
            return new EmbeddedPostgres(builder.start(), dataDirectory, fsync);
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

    @Override
    public boolean embedded() {
        return true;
    }

    @Override
    public long serverPid() {
        return postmasterPid(dataDirectory).orElse(-1L);
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /** Whether this cluster runs with {@code fsync=on} (crash-safe) or {@code fsync=off} (fast). */
    public boolean fsync() {
        return fsync;
    }

    /** The postmaster's process id named by {@code postmaster.pid} in {@code dataDirectory}, if it can be read. */
    public static Optional<Long> postmasterPid(Path dataDirectory) {
        try {
            List<String> lines = Files.readAllLines(dataDirectory.resolve("postmaster.pid"));
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The postmaster's process id, from {@code postmaster.pid}. */
    public long postmasterPid() {
        try {
            return Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0).trim());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read postmaster.pid in " + dataDirectory, e);
        }
    }

    /**
     * Kills the postmaster with SIGKILL, as a crash would, and waits until it and every backend it started
     * are gone (they notice the postmaster's death and exit), so that a server can start again on the same
     * data directory. Nothing is flushed or shut down: the next start runs crash recovery. Start a cluster
     * that is crashed with {@code fsync=true}. Afterwards this object only lets go of the data directory
     * (zonky's lock on it); start a new server there with {@link #start(Path, int, boolean, boolean)}.
     */
    public void crash(Duration timeout) {
        long pid = postmasterPid();
        ProcessHandle postmaster = ProcessHandle.of(pid)
                .orElseThrow(() -> new IllegalStateException("no postmaster with pid " + pid));
        List<ProcessHandle> backends = postmaster.children().toList();
        postmaster.destroyForcibly();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ProcessHandle process : java.util.stream.Stream.concat(java.util.stream.Stream.of(postmaster),
                backends.stream()).toList()) {
            try {
                process.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // A backend that outlives the postmaster keeps the shared memory: the restart would refuse.
                process.destroyForcibly();
            } catch (Exception e) {
                throw new IllegalStateException("waiting for Postgres process " + process.pid() + " to exit", e);
            }
        }
        log.info("Killed the postmaster (pid {}) of {} with SIGKILL", pid, dataDirectory);
        // Releases zonky's lock on the directory; its pg_ctl stop finds no server and only logs that.
        close();
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stop embedded Postgres", e);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedPostgres[" + jdbcUrl() + "]";
    }
}
