package dev.posthorn.embedded;

import java.net.URI;

/** A Postgres someone else runs, named by a JDBC URL; it must already have {@code wal_level=logical}. */
record ExternalPostgres(String jdbcUrl, String user, String password) implements Postgres {

    private URI uri() {
        return URI.create(jdbcUrl.substring("jdbc:".length()));
    }

    @Override
    public String host() {
        return uri().getHost();
    }

    @Override
    public int port() {
        int port = uri().getPort();
        return port > 0 ? port : 5432;
    }

    @Override
    public String database() {
        String path = uri().getPath();
        return path == null || path.length() <= 1 ? "postgres" : path.substring(1);
    }

    @Override
    public void close() {
        // Not ours to stop.
    }

    @Override
    public String toString() {
        return "ExternalPostgres[" + jdbcUrl + "]";
    }
}
