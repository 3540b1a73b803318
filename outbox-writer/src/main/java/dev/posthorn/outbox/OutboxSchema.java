package dev.posthorn.outbox;

import dev.posthorn.signature.SecretCipher;
import dev.posthorn.signature.SecretCipherException;
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
import java.util.UUID;
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
    /** The logical decoding plugin of the slot; Debezium reads it as {@code plugin.name=pgoutput}. */
    static final String PLUGIN = "pgoutput";
    private static final String DUPLICATE_OBJECT = "42710";

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
                + "  payload         json        NOT NULL,\n"
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
                + "  payload_filter             json,\n"
                + "  custom_headers             text,\n"
                + "  rate_limit                 integer,\n"
                + "  signing                    text,\n"
                + "  signing_key                text,\n"
                + "  previous_signing_key       text,\n"
                + "  signing_public_key         text,\n"
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
                createSlot(connection).ifPresent(changes::add);
            } else {
                log.warn("Posthorn schema installed inside the caller's transaction: replication slot {} is not created"
                        + " there (Postgres creates a logical slot only outside a transaction that has written). Call"
                        + " Outbox.install again in auto-commit mode after committing, or events published until then are"
                        + " not kept for the relay", settings.slotName());
            }
            if (changes.isEmpty()) {
                log.debug("Posthorn schema {}, publication {} and slot {} already installed", settings.schema(),
                        settings.publication(), settings.slotName());
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
            if ("jsonb".equals(payloadType(connection).orElse(null))) {
                // jsonb rewrote numbers (1e16 became 10000000000000000): json keeps the canonical text as written.
                // Rows already stored keep the text jsonb made of them.
                statement.execute("ALTER TABLE " + settings.qualified(Outbox.OUTBOX_TABLE)
                        + " ALTER COLUMN payload TYPE json USING payload::text::json");
                changes.add("changed " + settings.displayName(Outbox.OUTBOX_TABLE) + ".payload from jsonb to json");
            }
            statement.execute(createdAtIndexDdl());
            statement.execute(subscriptionsDdl());
            addOptionColumns(connection).ifPresent(changes::add);
            resealLegacySecrets(connection).ifPresent(changes::add);
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

    /** The delivery-option columns, by name and type; an install from before they existed gains them. */
    private static final List<String[]> OPTION_COLUMNS = List.of(
            new String[] {"payload_filter", "json"},
            new String[] {"custom_headers", "text"},
            new String[] {"rate_limit", "integer"},
            new String[] {"signing", "text"},
            new String[] {"signing_key", "text"},
            new String[] {"previous_signing_key", "text"},
            new String[] {"signing_public_key", "text"});

    /**
     * Adds the delivery-option columns to a subscriptions table created by an older release. They are
     * nullable (null = no filter, no headers, no limit), so existing rows and the relay keep working.
     */
    private Optional<String> addOptionColumns(Connection connection) throws SQLException {
        List<String> added = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement("SELECT 1 FROM pg_attribute a"
                + " JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relname = ? AND a.attname = ? AND NOT a.attisdropped");
                Statement statement = connection.createStatement()) {
            for (String[] column : OPTION_COLUMNS) {
                query.setString(1, settings.schema());
                query.setString(2, Outbox.SUBSCRIPTIONS_TABLE);
                query.setString(3, column[0]);
                boolean exists;
                try (ResultSet rs = query.executeQuery()) {
                    exists = rs.next();
                }
                if (!exists) {
                    statement.execute("ALTER TABLE " + settings.qualified(Outbox.SUBSCRIPTIONS_TABLE)
                            + " ADD COLUMN IF NOT EXISTS " + column[0] + " " + column[1]);
                    added.add(column[0]);
                }
            }
        }
        return added.isEmpty() ? Optional.empty()
                : Optional.of("added " + String.join(", ", added) + " to " + settings.displayName(Outbox.SUBSCRIPTIONS_TABLE));
    }

    /**
     * Re-seals secrets stored in the old {@code v1:} format (bound to no subscription) in the current one,
     * bound to their row's id, so that a sealed value copied to another row no longer opens. Leaves
     * {@code updated_at} alone: the subscription itself did not change. Without a secret cipher it can
     * only warn, as the delivery consumer refuses {@code v1:} values.
     */
    private Optional<String> resealLegacySecrets(Connection connection) throws SQLException {
        String table = settings.qualified(Outbox.SUBSCRIPTIONS_TABLE);
        SecretCipher cipher = settings.secretCipher();
        if (cipher == null) {
            long count = countLegacySecrets(connection);
            if (count > 0) {
                log.warn("{} subscription(s) in {} hold secrets sealed in the old v1: format, which the delivery"
                        + " consumer no longer opens; run the install with the secret key ({} set, e.g."
                        + " `posthorn outbox install`) to re-seal them", count,
                        settings.displayName(Outbox.SUBSCRIPTIONS_TABLE), SecretKeys.ENVIRONMENT_VARIABLE);
            }
            return Optional.empty();
        }
        int resealed = 0;
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT id, secret, previous_secret FROM " + table + LEGACY_SECRETS
                        + " FOR UPDATE");
                PreparedStatement update = connection.prepareStatement(
                        "UPDATE " + table + " SET secret = ?, previous_secret = ? WHERE id = ?")) {
            while (rs.next()) {
                UUID id = rs.getObject(1, UUID.class);
                update.setString(1, resealed(cipher, id, rs.getString(2)));
                update.setString(2, resealed(cipher, id, rs.getString(3)));
                update.setObject(3, id);
                update.addBatch();
                resealed++;
            }
            if (resealed > 0) {
                update.executeBatch();
            }
        }
        return resealed == 0 ? Optional.empty()
                : Optional.of("re-sealed the secrets of " + resealed + " subscription(s) bound to their id (v1: to v2:)");
    }

    private static final String LEGACY_SECRETS = " WHERE secret LIKE 'v1:%' OR previous_secret LIKE 'v1:%'";

    /** Subscriptions whose secret or previous secret is still in the old {@code v1:} format. */
    private long countLegacySecrets(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT count(*) FROM "
                        + settings.qualified(Outbox.SUBSCRIPTIONS_TABLE) + LEGACY_SECRETS)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Whether the connection's role may read the subscriptions table ({@code check} also runs as the relay's role). */
    private boolean mayReadSubscriptions(Connection connection) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT CASE WHEN has_schema_privilege(?, 'USAGE')"
                + " THEN has_table_privilege(?, 'SELECT') ELSE false END")) {
            query.setString(1, settings.schema());
            query.setString(2, settings.qualified(Outbox.SUBSCRIPTIONS_TABLE));
            try (ResultSet rs = query.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static String resealed(SecretCipher cipher, UUID id, String sealed) {
        if (!SecretCipher.isLegacy(sealed)) {
            return sealed;
        }
        try {
            return cipher.reseal(id.toString(), sealed);
        } catch (SecretCipherException e) {
            throw new IllegalStateException("cannot re-seal the secret of subscription " + id + ": "
                    + SecretKeys.ENVIRONMENT_VARIABLE + " is not the key it was stored with, or the stored value is"
                    + " damaged. Install with the original key, or remove the subscription and add it again", e);
        }
    }

    /**
     * Creates the logical replication slot unless it exists; runs in auto-commit mode, after the publication
     * is committed (pgoutput cannot decode changes from before its publication existed).
     *
     * @return what was done, if anything
     */
    private Optional<String> createSlot(Connection connection) throws SQLException {
        if (readSlot(connection).isPresent()) {
            return Optional.empty();
        }
        String walLevel;
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT current_setting('wal_level')")) {
            rs.next();
            walLevel = rs.getString(1);
        }
        if (!"logical".equals(walLevel)) {
            log.warn("Replication slot {} not created: wal_level is '{}'; set wal_level = logical, restart Postgres and"
                    + " run the install again", settings.slotName(), walLevel);
            return Optional.empty();
        }
        try (PreparedStatement create = connection.prepareStatement(
                "SELECT pg_create_logical_replication_slot(?, '" + PLUGIN + "')")) {
            create.setString(1, settings.slotName());
            create.execute();
        } catch (SQLException e) {
            if (DUPLICATE_OBJECT.equals(e.getSQLState())) {
                return Optional.empty(); // a concurrent install created it first
            }
            throw new SQLException("Posthorn schema is installed, but replication slot " + settings.slotName()
                    + " could not be created (" + e.getMessage() + "). Without it Postgres does not keep the events"
                    + " published until the relay first runs. Fix the cause (e.g. ALTER ROLE ... WITH REPLICATION, or"
                    + " max_replication_slots) and run the install again", e.getSQLState(), e);
        }
        return Optional.of("created replication slot " + settings.slotName() + " (" + PLUGIN + ")");
    }

    private Optional<String> payloadType(Connection connection) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT format_type(a.atttypid, a.atttypmod)"
                + " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relname = ? AND a.attname = 'payload' AND NOT a.attisdropped")) {
            query.setString(1, settings.schema());
            query.setString(2, Outbox.OUTBOX_TABLE);
            try (ResultSet rs = query.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    private Optional<SlotFacts> readSlot(Connection connection) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT slot_type, plugin, database,"
                + " database = current_database(), active, wal_status,"
                + " pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint"
                + " FROM pg_replication_slots WHERE slot_name = ?")) {
            query.setString(1, settings.slotName());
            try (ResultSet rs = query.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                long retained = rs.getLong(7);
                return Optional.of(new SlotFacts(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4),
                        rs.getBoolean(5), rs.getString(6), rs.wasNull() ? -1 : retained));
            }
        }
    }

    SchemaReport check(Connection connection) throws SQLException {
        return SchemaCheck.evaluate(readFacts(connection), settings);
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
        Set<String> tables = existingTables(connection);
        return new ServerFacts(walLevel, maxReplicationSlots, maxWalSenders, role, superuser, replication,
                tables, readPublication(connection), payloadType(connection), readSlot(connection),
                tables.contains(Outbox.SUBSCRIPTIONS_TABLE) && mayReadSubscriptions(connection) ? countLegacySecrets(connection) : 0);
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
            Optional<PublicationFacts> publication,
            Optional<String> payloadType,
            Optional<SlotFacts> slot,
            long legacySealedSecrets) {

        /** Facts of a server whose subscriptions hold no secret in the old {@code v1:} format. */
        ServerFacts(String walLevel, int maxReplicationSlots, int maxWalSenders, String role, boolean superuser,
                boolean replication, Set<String> existingTables, Optional<PublicationFacts> publication,
                Optional<String> payloadType, Optional<SlotFacts> slot) {
            this(walLevel, maxReplicationSlots, maxWalSenders, role, superuser, replication, existingTables, publication,
                    payloadType, slot, 0);
        }
    }

    /**
     * A replication slot as {@code pg_replication_slots} describes it.
     *
     * @param retainedWalBytes WAL the slot keeps from being removed ({@code pg_current_wal_lsn() - restart_lsn}),
     *     or -1 if the slot has no restart position
     */
    record SlotFacts(String type, String plugin, String database, boolean inThisDatabase, boolean active,
            String walStatus, long retainedWalBytes) {}

    /** A publication as {@code pg_publication} and {@code pg_publication_tables} describe it, for our schema. */
    record PublicationFacts(boolean allTables, boolean insert, boolean update, boolean delete, Set<String> tables) {}
}
