package dev.posthorn.outbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs and inspects the schema fixed in docs/internal-contracts.md. Reading the server's state
 * ({@link #readFacts}) is kept apart from judging it ({@link SchemaCheck}), so every verdict, including
 * those we cannot provoke on a test server such as {@code wal_level = replica}, is unit-tested.
 */
final class OutboxSchema {

    private static final Logger log = LoggerFactory.getLogger(OutboxSchema.class);

    static final List<String> TABLES = List.of(Outbox.OUTBOX_TABLE, Outbox.SUBSCRIPTIONS_TABLE);

    private final OutboxSettings settings;

    OutboxSchema(OutboxSettings settings) {
        this.settings = settings;
    }

    private String outboxDdl() {
        return "CREATE TABLE IF NOT EXISTS " + settings.qualified(Outbox.OUTBOX_TABLE) + " (\n"
                + "  id              uuid        PRIMARY KEY,\n"
                + "  aggregatetype   text        NOT NULL,\n"
                + "  aggregateid     text        NOT NULL,\n"
                + "  type            text        NOT NULL,\n"
                + "  payload         jsonb       NOT NULL,\n"
                + "  payload_version int         NOT NULL DEFAULT 1,\n"
                + "  created_at      timestamptz NOT NULL DEFAULT now(),\n"
                + "  traceparent     text\n"
                + ")";
    }

    /** Lets {@code prune} find old rows without scanning the table. */
    private String createdAtIndexDdl() {
        return "CREATE INDEX IF NOT EXISTS posthorn_outbox_created_at_idx ON "
                + settings.qualified(Outbox.OUTBOX_TABLE) + " (created_at)";
    }

    private String subscriptionsDdl() {
        return "CREATE TABLE IF NOT EXISTS " + settings.qualified(Outbox.SUBSCRIPTIONS_TABLE) + " (\n"
                + "  id                         uuid        PRIMARY KEY,\n"
                + "  topic                      text        NOT NULL,\n"
                + "  url                        text        NOT NULL,\n"
                + "  secret                     text        NOT NULL,\n"
                + "  previous_secret            text,\n"
                + "  previous_secret_expires_at timestamptz,\n"
                + "  enabled                    boolean     NOT NULL DEFAULT true,\n"
                + "  disabled_reason            text,\n"
                + "  strict_order               boolean     NOT NULL DEFAULT false,\n"
                + "  created_at                 timestamptz NOT NULL DEFAULT now(),\n"
                + "  updated_at                 timestamptz NOT NULL DEFAULT now(),\n"
                + "  UNIQUE (topic, url)\n"
                + ")";
    }

    void install(Connection connection) throws SQLException {
        boolean ownTransaction = connection.getAutoCommit();
        if (ownTransaction) {
            connection.setAutoCommit(false);
        }
        try {
            List<String> changes = installInTransaction(connection);
            if (ownTransaction) {
                connection.commit();
            }
            if (changes.isEmpty()) {
                log.debug("Posthorn schema {} and publication {} already installed", settings.schema(), settings.publication());
            } else {
                log.info("Posthorn schema installed: {}", String.join("; ", changes));
            }
        } catch (SQLException | RuntimeException e) {
            if (ownTransaction) {
                rollbackKeeping(connection, e);
            }
            throw e;
        } finally {
            if (ownTransaction) {
                connection.setAutoCommit(true);
            }
        }
    }

    private List<String> installInTransaction(Connection connection) throws SQLException {
        List<String> changes = new ArrayList<>();
        try (Statement statement = connection.createStatement()) {
            // Two application instances starting together must not race on CREATE ... IF NOT EXISTS.
            statement.execute("SELECT pg_advisory_xact_lock(hashtext('posthorn.install'))");
            if (!schemaExists(connection)) {
                statement.execute("CREATE SCHEMA " + Identifiers.quote(settings.schema()));
                changes.add("created schema " + settings.schema());
            }
            Set<String> existing = existingTables(connection);
            statement.execute(outboxDdl());
            statement.execute(createdAtIndexDdl());
            statement.execute(subscriptionsDdl());
            for (String table : TABLES) {
                if (!existing.contains(table)) {
                    changes.add("created table " + settings.displayName(table));
                }
            }
            Optional<PublicationFacts> publication = readPublication(connection);
            String publicationName = Identifiers.quote(settings.publication());
            if (publication.isEmpty()) {
                statement.execute("CREATE PUBLICATION " + publicationName + " FOR TABLE "
                        + settings.qualified(Outbox.OUTBOX_TABLE) + ", " + settings.qualified(Outbox.SUBSCRIPTIONS_TABLE));
                changes.add("created publication " + settings.publication());
            } else if (!publication.get().allTables()) {
                for (String table : TABLES) {
                    if (!publication.get().tables().contains(table)) {
                        statement.execute("ALTER PUBLICATION " + publicationName + " ADD TABLE " + settings.qualified(table));
                        changes.add("added " + settings.displayName(table) + " to publication " + settings.publication());
                    }
                }
            }
        }
        return changes;
    }

    SchemaReport check(Connection connection) throws SQLException {
        return SchemaCheck.evaluate(readFacts(connection), settings.schema(), settings.publication());
    }

    ServerFacts readFacts(Connection connection) throws SQLException {
        String walLevel;
        int maxReplicationSlots;
        int maxWalSenders;
        String role;
        boolean superuser;
        boolean replication;
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT current_setting('wal_level'),"
                        + " current_setting('max_replication_slots')::int, current_setting('max_wal_senders')::int,"
                        + " r.rolname, r.rolsuper, r.rolreplication"
                        + " FROM pg_roles r WHERE r.rolname = current_user")) {
            if (!rs.next()) {
                throw new SQLException("cannot find the current role in pg_roles");
            }
            walLevel = rs.getString(1);
            maxReplicationSlots = rs.getInt(2);
            maxWalSenders = rs.getInt(3);
            role = rs.getString(4);
            superuser = rs.getBoolean(5);
            replication = rs.getBoolean(6);
        }
        return new ServerFacts(walLevel, maxReplicationSlots, maxWalSenders, role, superuser, replication,
                existingTables(connection), readPublication(connection));
    }

    private boolean schemaExists(Connection connection) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
            query.setString(1, settings.schema());
            try (ResultSet rs = query.executeQuery()) {
                return rs.next();
            }
        }
    }

    private Set<String> existingTables(Connection connection) throws SQLException {
        Set<String> tables = new HashSet<>();
        try (PreparedStatement query = connection.prepareStatement("SELECT c.relname FROM pg_class c"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relkind IN ('r', 'p') AND c.relname IN (?, ?)")) {
            query.setString(1, settings.schema());
            query.setString(2, Outbox.OUTBOX_TABLE);
            query.setString(3, Outbox.SUBSCRIPTIONS_TABLE);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
        }
        return tables;
    }

    private Optional<PublicationFacts> readPublication(Connection connection) throws SQLException {
        boolean allTables;
        boolean insert;
        boolean update;
        boolean delete;
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT puballtables, pubinsert, pubupdate, pubdelete FROM pg_publication WHERE pubname = ?")) {
            query.setString(1, settings.publication());
            try (ResultSet rs = query.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                allTables = rs.getBoolean(1);
                insert = rs.getBoolean(2);
                update = rs.getBoolean(3);
                delete = rs.getBoolean(4);
            }
        }
        Set<String> tables = new HashSet<>();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT tablename FROM pg_publication_tables WHERE pubname = ? AND schemaname = ?")) {
            query.setString(1, settings.publication());
            query.setString(2, settings.schema());
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
        }
        return Optional.of(new PublicationFacts(allTables, insert, update, delete, tables));
    }

    private static void rollbackKeeping(Connection connection, Exception failure) {
        try {
            connection.rollback();
        } catch (SQLException rollbackFailure) {
            failure.addSuppressed(rollbackFailure);
        }
    }

    /** What {@link #check} reads from the server, judged by {@link SchemaCheck}. */
    record ServerFacts(
            String walLevel,
            int maxReplicationSlots,
            int maxWalSenders,
            String role,
            boolean superuser,
            boolean replication,
            Set<String> existingTables,
            Optional<PublicationFacts> publication) {}

    /** A publication as {@code pg_publication} and {@code pg_publication_tables} describe it, for our schema. */
    record PublicationFacts(boolean allTables, boolean insert, boolean update, boolean delete, Set<String> tables) {}
}
