package dev.posthorn.testkit;

import dev.posthorn.embedded.Postgres;

/**
 * A Postgres server with {@code wal_level=logical} for tests: embedded (zonky) or external (given by
 * URL). Closing an embedded server stops it; closing an external one does nothing. The connection
 * helpers come from {@link Postgres} in {@code posthorn-embedded}.
 */
public interface PostgresServer extends Postgres {

    /** A server someone else runs (needs {@code wal_level=logical}); closing it does nothing. */
    static PostgresServer external(String jdbcUrl, String user, String password) {
        return new ExternalPostgresServer(jdbcUrl, user, password);
    }

    @Override
    void close();
}
