package dev.posthorn.outbox;

import static dev.posthorn.outbox.Fixtures.outboxIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.time.Duration;
import dev.posthorn.testkit.Await;
import org.junit.jupiter.api.Test;

@PosthornIntegrationTest
class SchemaTest {

    @Test
    void installCreatesTheContractSchemaAndCheckPasses(TestScope scope) throws Exception {
        Outbox outbox = outboxIn(scope).build();
        try (Connection connection = scope.connect()) {
            assertThat(outbox.check(connection).ok()).as("nothing installed yet").isFalse();

            outbox.install(connection);

            SchemaReport report = outbox.check(connection);
            assertThat(report.problems()).isEmpty();
            assertThat(report.ok()).isTrue();
            assertThat(report).hasToString("Posthorn schema check: ok");
            assertThat(connection.getAutoCommit()).as("auto-commit restored").isTrue();
            assertThat(columns(connection, scope.schema(), "posthorn_outbox")).containsExactly(
                    "id uuid NOT NULL",
                    "aggregatetype text NOT NULL",
                    "aggregateid text NOT NULL",
                    "type text NOT NULL",
                    "payload json NOT NULL",
                    "payload_version integer NOT NULL DEFAULT 1",
                    "created_at timestamp with time zone NOT NULL DEFAULT now()",
                    "traceparent text");
            assertThat(columns(connection, scope.schema(), "posthorn_subscriptions")).containsExactly(
                    "id uuid NOT NULL",
                    "topic text NOT NULL",
                    "url text NOT NULL",
                    "secret text NOT NULL",
                    "previous_secret text",
                    "previous_secret_expires_at timestamp with time zone",
                    "enabled boolean NOT NULL DEFAULT true",
                    "disabled_reason text",
                    "strict_order boolean NOT NULL DEFAULT false",
                    "created_at timestamp with time zone NOT NULL DEFAULT now()",
                    "updated_at timestamp with time zone NOT NULL DEFAULT now()",
                    "payload_filter json",
                    "custom_headers text",
                    "rate_limit integer",
                    "signing text",
                    "signing_key text",
                    "previous_signing_key text",
                    "signing_public_key text");
            assertThat(publishedTables(connection, scope.publicationName()))
                    .containsExactly(scope.schema() + ".posthorn_outbox", scope.schema() + ".posthorn_subscriptions");
        }
    }

    @Test
    void installTwiceIsIdempotent(TestScope scope) throws Exception {
        Outbox outbox = outboxIn(scope).build();
        try (Connection connection = scope.connect()) {
            outbox.install(connection);
            String before = catalogSnapshot(connection, scope);

            outbox.install(connection);

            assertThat(catalogSnapshot(connection, scope)).isEqualTo(before);
            assertThat(outbox.check(connection).ok()).isTrue();
        }
    }

    @Test
    void installJoinsTheCallersTransactionWhenThereIsOne(TestScope scope) throws Exception {
        Outbox outbox = outboxIn(scope).build();
        try (Connection connection = scope.connect()) {
            connection.setAutoCommit(false);
            outbox.install(connection);
            connection.rollback();
            connection.setAutoCommit(true);
            assertThat(outbox.check(connection).problems()).extracting(SchemaReport.Problem::problem)
                    .contains("table " + scope.schema() + ".posthorn_outbox does not exist");
        }
    }

    @Test
    void installCreatesAMissingSchema(TestScope scope) throws Exception {
        String schema = scope.schema() + "_other";
        Outbox outbox = Outbox.builder().schema(schema).publication(scope.publicationName()).slotName(scope.slotName()).build();
        try (Connection connection = scope.connect()) {
            outbox.install(connection);
            assertThat(outbox.check(connection).ok()).isTrue();
        }
    }

    @Test
    void checkReportsAPublicationLackingATableAndInstallAddsIt(TestScope scope) throws Exception {
        Outbox outbox = outboxIn(scope).build();
        String publication = scope.publicationName();
        try (Connection connection = scope.connect(); Statement statement = connection.createStatement()) {
            outbox.install(connection);
            statement.execute("ALTER PUBLICATION " + publication + " DROP TABLE " + scope.schema() + ".posthorn_subscriptions");

            SchemaReport report = outbox.check(connection);

            assertThat(report.problems()).containsExactly(new SchemaReport.Problem(
                    "publication " + publication + " does not include " + scope.schema() + ".posthorn_subscriptions",
                    "ALTER PUBLICATION " + publication + " ADD TABLE " + scope.schema()
                            + ".posthorn_subscriptions, or run Outbox.install(connection)"));
            assertThatThrownBy(report::throwIfProblems)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("Posthorn schema check found 1 problem:\n  - " + report.problems().get(0));

            outbox.install(connection);
            assertThat(outbox.check(connection).ok()).isTrue();
            assertThat(publishedTables(connection, publication)).hasSize(2);
        }
    }

    @Test
    void checkReportsAMissingTableAndAMissingPublication(TestScope scope) throws Exception {
        Outbox outbox = outboxIn(scope).build();
        try (Connection connection = scope.connect(); Statement statement = connection.createStatement()) {
            outbox.install(connection);
            statement.execute("DROP TABLE posthorn_outbox");
            statement.execute("DROP PUBLICATION " + scope.publicationName());

            List<SchemaReport.Problem> problems = outbox.check(connection).problems();

            assertThat(problems).extracting(SchemaReport.Problem::problem).containsExactly(
                    "table " + scope.schema() + ".posthorn_outbox does not exist",
                    "publication " + scope.publicationName() + " does not exist");
            assertThat(problems.get(0).fix()).isEqualTo("run Outbox.install(connection), which creates it");
            assertThat(problems.get(1).fix()).contains("CREATE PUBLICATION " + scope.publicationName() + " FOR TABLE");

            outbox.install(connection);
            assertThat(outbox.check(connection).ok()).isTrue();
        }
    }

    @Test
    void checkReportsARoleThatCannotReplicate(TestScope scope) throws Exception {
        Outbox outbox = outboxIn(scope).build();
        String role = "app_" + scope.id();
        try (Connection connection = scope.connect(); Statement statement = connection.createStatement()) {
            outbox.install(connection);
            statement.execute("CREATE ROLE " + role + " NOLOGIN NOREPLICATION");
            try {
                statement.execute("SET ROLE " + role);
                List<SchemaReport.Problem> problems = outbox.check(connection).problems();
                statement.execute("RESET ROLE");

                assertThat(problems).containsExactly(new SchemaReport.Problem(
                        "role " + role + " cannot replicate: it is neither superuser nor has the REPLICATION attribute",
                        "ALTER ROLE " + role + " WITH REPLICATION (as a superuser), or let the relay connect as a role that has it"));

                statement.execute("ALTER ROLE " + role + " WITH REPLICATION");
                statement.execute("SET ROLE " + role);
                assertThat(outbox.check(connection).ok()).as("REPLICATION is enough").isTrue();
            } finally {
                statement.execute("RESET ROLE");
                statement.execute("DROP ROLE " + role);
            }
        }
    }

    @Test
    void checkReportsAPublicationThatDoesNotPublishUpdatesAndDeletes(TestScope scope) throws Exception {
        Outbox outbox = outboxIn(scope).build();
        try (Connection connection = scope.connect(); Statement statement = connection.createStatement()) {
            outbox.install(connection);
            statement.execute("ALTER PUBLICATION " + scope.publicationName() + " SET (publish = 'insert')");

            assertThat(outbox.check(connection).problems()).containsExactly(new SchemaReport.Problem(
                    "publication " + scope.publicationName() + " does not publish update, delete",
                    "ALTER PUBLICATION " + scope.publicationName() + " SET (publish = 'insert, update, delete, truncate')"));
        }
    }

    @Test
    void installCreatesTheReplicationSlotSoWalIsKeptFromInstallOn(TestScope scope) throws Exception {
        Outbox outbox = outboxIn(scope).build();
        try (Connection connection = scope.connect(); Statement statement = connection.createStatement()) {
            outbox.install(connection);

            try (ResultSet rs = statement.executeQuery("SELECT slot_type, plugin, database = current_database(), active"
                    + " FROM pg_replication_slots WHERE slot_name = '" + scope.slotName() + "'")) {
                assertThat(rs.next()).as("slot created by install").isTrue();
                assertThat(rs.getString(1)).isEqualTo("logical");
                assertThat(rs.getString(2)).isEqualTo("pgoutput");
                assertThat(rs.getBoolean(3)).isTrue();
                assertThat(rs.getBoolean(4)).as("nobody reads it yet").isFalse();
            }
            SchemaReport report = outbox.check(connection);
            assertThat(report.ok()).isTrue();
            assertThat(report.retainedWalBytes()).as("the slot's retained WAL is measured").isPresent();

            outbox.install(connection); // an existing slot is fine
            assertThat(outbox.check(connection).ok()).isTrue();

            statement.execute("SELECT pg_drop_replication_slot('" + scope.slotName() + "')");
            SchemaReport missing = outbox.check(connection);
            assertThat(missing.retainedWalBytes()).isEmpty();
            assertThat(missing.problems()).extracting(SchemaReport.Problem::problem).containsExactly(
                    "replication slot " + scope.slotName() + " does not exist: Postgres is NOT keeping the events"
                            + " published now for the relay, and events published while it is missing are lost to it");

            outbox.install(connection);
            assertThat(outbox.check(connection).ok()).as("install re-creates it").isTrue();
        }
    }

    @Test
    void checkWarnsWhenTheSlotRetainsMoreWalThanTheThreshold(TestScope scope) throws Exception {
        Outbox outbox = outboxIn(scope).retainedWalWarningBytes(1).build();
        try (Connection connection = scope.connect(); Statement statement = connection.createStatement()) {
            outbox.install(connection);
            statement.execute("CREATE TABLE filler AS SELECT g FROM generate_series(1, 1000) g");

            SchemaReport report = Await.value(Duration.ofSeconds(30), "WAL written after the slot",
                    () -> Optional.of(check(outbox, connection)).filter(r -> !r.warnings().isEmpty()));

            assertThat(report.ok()).isTrue();
            assertThat(report.warnings()).singleElement().extracting(SchemaReport.Problem::problem).asString()
                    .startsWith("replication slot " + scope.slotName() + " retains ")
                    .contains("over the warning threshold of 1 (no relay is reading it now)");
        }
    }

    private static SchemaReport check(Outbox outbox, Connection connection) {
        try {
            return outbox.check(connection);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void installMigratesAJsonbPayloadColumnToJson(TestScope scope) throws Exception {
        Outbox outbox = outboxIn(scope).retention(RowRetention.KEEP).build();
        try (Connection connection = scope.connect(); Statement statement = connection.createStatement()) {
            outbox.install(connection);
            // An install of an earlier version, holding a row.
            statement.execute("ALTER TABLE posthorn_outbox ALTER COLUMN payload TYPE jsonb USING payload::jsonb");
            statement.execute("INSERT INTO posthorn_outbox (id, aggregatetype, aggregateid, type, payload)"
                    + " VALUES (gen_random_uuid(), 'invoice', 'k', 'invoice.created', '{\"n\": 1e16}')");
            assertThat(outbox.check(connection).problems()).extracting(SchemaReport.Problem::problem)
                    .containsExactly("column " + scope.schema() + ".posthorn_outbox.payload is jsonb, not json: Postgres"
                            + " rewrites the numbers of payloads stored as jsonb (1e16 becomes 10000000000000000)");

            outbox.install(connection);

            assertThat(columns(connection, scope.schema(), "posthorn_outbox")).contains("payload json NOT NULL");
            assertThat(outbox.check(connection).ok()).isTrue();
            try (ResultSet rs = statement.executeQuery("SELECT payload::text FROM posthorn_outbox")) {
                rs.next();
                assertThat(rs.getString(1)).as("the old row keeps the text jsonb made of it")
                        .isEqualTo("{\"n\": 10000000000000000}");
            }
            String migrated = catalogSnapshot(connection, scope);
            outbox.install(connection);
            assertThat(catalogSnapshot(connection, scope)).as("the migration runs once").isEqualTo(migrated);

            connection.setAutoCommit(false);
            outbox.publish(connection, "invoice.created", "k", "{\"n\": 1e16}");
            connection.commit();
            connection.setAutoCommit(true);
            try (ResultSet rs = statement.executeQuery("SELECT payload::text FROM posthorn_outbox ORDER BY created_at DESC, id LIMIT 2")) {
                List<String> payloads = new ArrayList<>();
                while (rs.next()) {
                    payloads.add(rs.getString(1));
                }
                assertThat(payloads).as("new rows keep their canonical text").contains("{\"n\":1e+16}");
            }
        }
    }

    @Test
    void builderReportsEveryBadSettingAtOnce() {
        assertThatThrownBy(() -> Outbox.builder().schema("Public").publication("drop table x").maxPayloadBytes(0)
                .secretGracePeriod(java.time.Duration.ofHours(-1)).clock(null).retention(null).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("schema: must be a lowercase SQL identifier")
                .hasMessageContaining("publication: must be a lowercase SQL identifier")
                .hasMessageContaining("retention: must not be null")
                .hasMessageContaining("maxPayloadBytes: must be at least 2")
                .hasMessageContaining("secretGracePeriod: must be zero or positive")
                .hasMessageContaining("clock: must not be null");
    }

    private static List<String> columns(Connection connection, String schema, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement("SELECT a.attname, format_type(a.atttypid, a.atttypmod),"
                + " a.attnotnull, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a"
                + " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
                + " WHERE a.attrelid = (quote_ident(?) || '.' || quote_ident(?))::regclass AND a.attnum > 0"
                + " AND NOT a.attisdropped ORDER BY a.attnum")) {
            query.setString(1, schema);
            query.setString(2, table);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1) + " " + rs.getString(2) + (rs.getBoolean(3) ? " NOT NULL" : "")
                            + (rs.getString(4) == null ? "" : " DEFAULT " + rs.getString(4)));
                }
            }
        }
        return columns;
    }

    private static List<String> publishedTables(Connection connection, String publication) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement("SELECT schemaname || '.' || tablename"
                + " FROM pg_publication_tables WHERE pubname = ? ORDER BY tablename")) {
            query.setString(1, publication);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
        }
        return tables;
    }

    /** Every object install creates, with its definition and identity (a re-created object gets a new oid). */
    private static String catalogSnapshot(Connection connection, TestScope scope) throws SQLException {
        StringBuilder snapshot = new StringBuilder();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT c.oid, c.relname, c.relkind, coalesce(pg_get_indexdef(c.oid), '') FROM pg_class c"
                        + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? ORDER BY c.relname")) {
            query.setString(1, scope.schema());
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    snapshot.append(rs.getLong(1)).append(' ').append(rs.getString(2)).append(' ')
                            .append(rs.getString(3)).append(' ').append(rs.getString(4)).append('\n');
                }
            }
        }
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT p.oid, p.pubinsert, p.pubupdate, p.pubdelete, r.prrelid FROM pg_publication p"
                        + " JOIN pg_publication_rel r ON r.prpubid = p.oid WHERE p.pubname = ? ORDER BY r.prrelid")) {
            query.setString(1, scope.publicationName());
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    snapshot.append("publication ").append(rs.getLong(1)).append(' ').append(rs.getBoolean(2))
                            .append(rs.getBoolean(3)).append(rs.getBoolean(4)).append(" rel ").append(rs.getLong(5)).append('\n');
                }
            }
        }
        assertThat(snapshot.toString()).contains("posthorn_outbox_created_at_idx", "posthorn_subscriptions_topic_url_key",
                "publication");
        return snapshot.toString();
    }
}
