package dev.posthorn.testkit;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Names that belong to one test only: a fresh Postgres schema (created for you), a Kafka topic
 * prefix, a replication slot and publication name. Tests sharing one broker and one Postgres never
 * see each other's data.
 */
public final class TestScope {

    private final PostgresServer postgres;
    private final String id;

    TestScope(PostgresServer postgres) {
        this.postgres = postgres;
        this.id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    }

    /** A short random token unique to this test. */
    public String id() {
        return id;
    }

    /** The test's own schema; it exists when the test starts. */
    public String schema() {
        return "t_" + id;
    }

    /** Prefix for every Kafka topic the test creates, e.g. {@code t1a2b3c4d.events}. */
    public String topicPrefix() {
        return "t" + id;
    }

    public String slotName() {
        return "posthorn_" + id;
    }

    public String publicationName() {
        return "posthorn_" + id;
    }

    /** {@code base} made unique to this test, for any other name (consumer groups, directories). */
    public String unique(String base) {
        return base + "-" + id;
    }

    public PostgresServer postgres() {
        return postgres;
    }

    /** JDBC URL whose unqualified names resolve to this test's schema. */
    public String jdbcUrl() {
        return postgres.jdbcUrl(schema());
    }

    /** A new connection whose unqualified names resolve to this test's schema; the caller closes it. */
    public Connection connect() throws SQLException {
        return postgres.connect(schema());
    }

    void createSchema() throws SQLException {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS " + schema());
        }
    }

    /** Drops the test's slot if a test left it behind: an abandoned slot pins WAL for everyone. */
    void dropLeftovers() throws SQLException {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                    + "WHERE slot_name = '" + slotName() + "' AND NOT active");
        }
    }
}
