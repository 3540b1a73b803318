package dev.posthorn.testkit;

import dev.posthorn.embedded.Postgres;

/** A Postgres someone else runs, named by a JDBC URL; it must already have {@code wal_level=logical}. */
record ExternalPostgresServer(String jdbcUrl, String user, String password) implements PostgresServer {

    /** Host, port and database as {@code posthorn-embedded} reads them from the URL. */
    private Postgres parsed() {
        return Postgres.external(jdbcUrl, user, password);
    }

    @Override
    public String host() {
        return parsed().host();
    }

    @Override
    public int port() {
        return parsed().port();
    }

    @Override
    public String database() {
        return parsed().database();
    }

    @Override
    public void close() {
        // Not ours to stop.
    }

    @Override
    public String toString() {
        return "ExternalPostgresServer[" + jdbcUrl + "]";
    }
}
