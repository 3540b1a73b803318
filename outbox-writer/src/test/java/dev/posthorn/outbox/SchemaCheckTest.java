package dev.posthorn.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.outbox.OutboxSchema.PublicationFacts;
import dev.posthorn.outbox.OutboxSchema.ServerFacts;
import dev.posthorn.outbox.OutboxSchema.SlotFacts;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Verdicts the shared test server cannot show (its wal_level is logical and cannot change). */
class SchemaCheckTest {

    private static final Set<String> BOTH_TABLES = Set.of("posthorn_outbox", "posthorn_subscriptions");
    private static final PublicationFacts COMPLETE = new PublicationFacts(false, true, true, true, BOTH_TABLES);

    private static final Optional<String> JSON = Optional.of("json");
    private static final Optional<SlotFacts> SLOT = Optional.of(slotRetaining(4096, true));
    private static final long GIB = 1L << 30;

    private static SlotFacts slotRetaining(long bytes, boolean active) {
        return new SlotFacts("logical", "pgoutput", "app", true, active, "reserved", bytes);
    }

    private static OutboxSettings settings(String schema) {
        return new OutboxSettings(schema, "posthorn", "posthorn", GIB, RowRetention.DELETE_IN_TRANSACTION, 1024,
                null, Duration.ZERO, Clock.systemUTC(), new ObjectMapper());
    }

    private static ServerFacts withSlot(Optional<SlotFacts> slot, Optional<String> payloadType) {
        return new ServerFacts("logical", 10, 10, "relay", false, true, BOTH_TABLES, Optional.of(COMPLETE), payloadType, slot);
    }

    private static ServerFacts healthy() {
        return new ServerFacts("logical", 10, 10, "relay", false, true, BOTH_TABLES, Optional.of(COMPLETE), JSON, SLOT);
    }

    @Test
    void healthyServerHasNoProblems() {
        assertThat(SchemaCheck.evaluate(healthy(), settings("public")).ok()).isTrue();
    }

    @Test
    void walLevelReplicaSaysToSetLogicalAndRestart() {
        ServerFacts facts = new ServerFacts("replica", 10, 10, "relay", false, true, BOTH_TABLES, Optional.of(COMPLETE), JSON, SLOT);

        SchemaReport report = SchemaCheck.evaluate(facts, settings("public"));

        assertThat(report.problems()).containsExactly(new SchemaReport.Problem(
                "wal_level is 'replica', but the relay reads the outbox by logical decoding",
                "set wal_level = logical in postgresql.conf and restart Postgres"));
        assertThat(report.toString()).isEqualTo("Posthorn schema check found 1 problem:\n"
                + "  - wal_level is 'replica', but the relay reads the outbox by logical decoding:"
                + " set wal_level = logical in postgresql.conf and restart Postgres");
    }

    @Test
    void reportsEveryProblemAtOnce() {
        ServerFacts facts = new ServerFacts("minimal", 0, 0, "App User", false, false, Set.of(), Optional.empty(), Optional.empty(), Optional.empty());

        SchemaReport report = SchemaCheck.evaluate(facts, settings("billing"));

        assertThat(report.problems()).extracting(SchemaReport.Problem::problem).containsExactly(
                "wal_level is 'minimal', but the relay reads the outbox by logical decoding",
                "max_replication_slots is 0, so the relay cannot create its replication slot",
                "max_wal_senders is 0, so the relay cannot open a replication connection",
                "role App User cannot replicate: it is neither superuser nor has the REPLICATION attribute",
                "table billing.posthorn_outbox does not exist",
                "table billing.posthorn_subscriptions does not exist",
                "publication posthorn does not exist",
                "replication slot posthorn does not exist: Postgres is NOT keeping the events published now for the"
                        + " relay, and events published while it is missing are lost to it");
        assertThat(report.problems().get(1).fix()).contains("max_replication_slots", "restart");
        assertThat(report.problems().get(3).fix()).startsWith("ALTER ROLE \"App User\" WITH REPLICATION");
        assertThat(report.problems().get(6).fix()).contains(
                "CREATE PUBLICATION posthorn FOR TABLE billing.posthorn_outbox, billing.posthorn_subscriptions");
        assertThat(report.toString()).startsWith("Posthorn schema check found 8 problems:\n  - wal_level");
    }

    @Test
    void superuserMayReplicateWithoutTheAttribute() {
        ServerFacts facts = new ServerFacts("logical", 10, 10, "postgres", true, false, BOTH_TABLES, Optional.of(COMPLETE), JSON, SLOT);
        assertThat(SchemaCheck.evaluate(facts, settings("public")).ok()).isTrue();
    }

    @Test
    void publicationForAllTablesCoversOurs() {
        PublicationFacts allTables = new PublicationFacts(true, true, true, true, Set.of());
        ServerFacts facts = new ServerFacts("logical", 10, 10, "relay", false, true, BOTH_TABLES, Optional.of(allTables), JSON, SLOT);
        assertThat(SchemaCheck.evaluate(facts, settings("public")).ok()).isTrue();
    }

    @Test
    void missingSlotSaysPlainlyThatEventsAreNotKept() {
        SchemaReport report = SchemaCheck.evaluate(withSlot(Optional.empty(), JSON), settings("public"));

        assertThat(report.ok()).isFalse();
        assertThat(report.retainedWalBytes()).isEmpty();
        assertThat(report.toString()).isEqualTo("Posthorn schema check found 1 problem:\n"
                + "  - replication slot posthorn does not exist: Postgres is NOT keeping the events published now for"
                + " the relay, and events published while it is missing are lost to it: run Outbox.install(connection)"
                + " in auto-commit mode (or `posthorn outbox install`), which creates it");
    }

    @Test
    void slotRetainingMoreThanTheThresholdIsAWarningNotAProblem() {
        SchemaReport under = SchemaCheck.evaluate(withSlot(Optional.of(slotRetaining(GIB, false)), JSON), settings("public"));
        assertThat(under.ok()).isTrue();
        assertThat(under.warnings()).isEmpty();
        assertThat(under.retainedWalBytes()).hasValue(GIB);

        SchemaReport over = SchemaCheck.evaluate(withSlot(Optional.of(slotRetaining(GIB + 1, false)), JSON), settings("public"));
        assertThat(over.ok()).as("the relay can still read it").isTrue();
        assertThat(over.warnings()).singleElement().extracting(SchemaReport.Problem::problem).isEqualTo(
                "replication slot posthorn retains 1073741825 bytes of WAL, over the warning threshold of 1073741824"
                        + " (no relay is reading it now); WAL is kept until the relay confirms it, and a slot nobody"
                        + " reads fills the disk");
        assertThat(over.toString()).startsWith("Posthorn schema check: ok\n  ! warning: replication slot posthorn retains");
    }

    @Test
    void jsonbPayloadColumnIsAProblemThatInstallFixes() {
        SchemaReport report = SchemaCheck.evaluate(withSlot(SLOT, Optional.of("jsonb")), settings("public"));
        assertThat(report.problems()).singleElement().satisfies(p -> {
            assertThat(p.problem()).startsWith("column public.posthorn_outbox.payload is jsonb, not json");
            assertThat(p.fix()).contains("Outbox.install", "json");
        });
    }

    @Test
    void secretsInTheOldUnboundFormatAreAWarningThatInstallWithTheKeyFixes() {
        ServerFacts facts = new ServerFacts("logical", 10, 10, "relay", false, true, BOTH_TABLES, Optional.of(COMPLETE),
                JSON, SLOT, 3);
        SchemaReport report = SchemaCheck.evaluate(facts, settings("public"));
        assertThat(report.problems()).as("the relay must not stop for it").isEmpty();
        assertThat(report.warnings()).singleElement().satisfies(p -> {
            assertThat(p.problem()).startsWith("3 subscription(s) in public.posthorn_subscriptions hold secrets sealed in"
                    + " the old v1: format");
            assertThat(p.fix()).contains("Outbox.install", "POSTHORN_SECRET_KEY", "re-seals");
        });
    }

    @Test
    void slotOfAnotherPluginOrDatabaseIsAProblem() {
        SlotFacts physical = new SlotFacts("physical", null, null, false, false, "reserved", 0);
        assertThat(SchemaCheck.evaluate(withSlot(Optional.of(physical), JSON), settings("public")).problems())
                .singleElement().extracting(SchemaReport.Problem::problem).asString()
                .startsWith("replication slot posthorn is a physical slot");
        SlotFacts elsewhere = new SlotFacts("logical", "pgoutput", "other", false, false, "reserved", 0);
        assertThat(SchemaCheck.evaluate(withSlot(Optional.of(elsewhere), JSON), settings("public")).problems())
                .singleElement().extracting(SchemaReport.Problem::problem)
                .isEqualTo("replication slot posthorn belongs to database other, not this one");
    }
}
