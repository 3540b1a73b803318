package dev.posthorn.testkit;

import dev.posthorn.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The embedded Postgres of {@code posthorn-embedded} ({@link EmbeddedPostgres}: Postgres 17,
 * {@code wal_level=logical}) as a test server: throwaway clusters are written down so that
 * {@code .ci/run} stops them if the test JVM is killed.
 */
public final class EmbeddedPostgresServer implements PostgresServer {

    private final EmbeddedPostgres postgres;
    /** As recorded at start, for the leftover record (a crash and restart makes a new server object). */
    private final long postmasterPid;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
        this.postgres = postgres;
        this.postmasterPid = EmbeddedPostgres.postmasterPid(postgres.dataDirectory()).orElse(-1L);
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

    /** See {@link EmbeddedPostgres#start(Path, int, boolean)}. */
    public static EmbeddedPostgresServer start(Path dataDirectory, int port, boolean keepData) {
        return new EmbeddedPostgresServer(EmbeddedPostgres.start(dataDirectory, port, keepData));
    }

    /** See {@link EmbeddedPostgres#start(Path, int, boolean, boolean)}: {@code fsync=true} survives a crash. */
    public static EmbeddedPostgresServer start(Path dataDirectory, int port, boolean keepData, boolean fsync) {
        return new EmbeddedPostgresServer(EmbeddedPostgres.start(dataDirectory, port, keepData, fsync));
    }

    @Override
    public String jdbcUrl() {
        return postgres.jdbcUrl();
    }

    @Override
    public String user() {
        return postgres.user();
    }

    @Override
    public String password() {
        return postgres.password();
    }

    @Override
    public String host() {
        return postgres.host();
    }

    @Override
    public int port() {
        return postgres.port();
    }

    @Override
    public String database() {
        return postgres.database();
    }

    @Override
    public boolean embedded() {
        return true;
    }

    @Override
    public long serverPid() {
        return postgres.serverPid();
    }

    public Path dataDirectory() {
        return postgres.dataDirectory();
    }

    /** Whether this cluster runs with {@code fsync=on} (crash-safe) or {@code fsync=off} (fast). */
    public boolean fsync() {
        return postgres.fsync();
    }

    /** The postmaster's process id, from {@code postmaster.pid}. */
    public long postmasterPid() {
        return postgres.postmasterPid();
    }

    /** See {@link EmbeddedPostgres#crash(Duration)}; afterwards this server is closed. */
    public void crash(Duration timeout) {
        postgres.crash(timeout);
        TestProcesses.forgetPostgres(postmasterPid);
    }

    @Override
    public void close() {
        postgres.close();
        TestProcesses.forgetPostgres(postmasterPid);
    }

    @Override
    public String toString() {
        return "EmbeddedPostgresServer[" + jdbcUrl() + "]";
    }
}
