package dev.posthorn.embedded;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * A Postgres server with {@code wal_level=logical}: embedded (zonky) or external (given by URL).
 * Closing an embedded server stops it; closing an external one does nothing.
 */
public interface Postgres extends AutoCloseable {

    /** A server someone else runs (needs {@code wal_level=logical}); closing it does nothing. */
    static Postgres external(String jdbcUrl, String user, String password) {
        return new ExternalPostgres(jdbcUrl, user, password);
    }

    /** JDBC URL of the server's database, without a schema. */
    String jdbcUrl();

    String user();

    /** The password; never logged by the testkit. */
    String password();

    String host();

    int port();

    String database();

    /** JDBC URL whose connections resolve unqualified names in {@code schema} first. */
    default String jdbcUrl(String schema) {
        String url = jdbcUrl();
        return url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    default Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), credentials());
    }

    default Connection connect(String schema) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(schema), credentials());
    }

    default Properties credentials() {
        Properties props = new Properties();
        props.setProperty("user", user());
        props.setProperty("password", password());
        return props;
    }

    /** The postmaster's process id when this process started the server and it can be read, else -1. */
    default long serverPid() {
        return -1;
    }

    /** Whether this process started the server (an embedded cluster) rather than being given its address. */
    default boolean embedded() {
        return false;
    }

    @Override
    void close();
}
