package dev.posthorn.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.outbox.OutboxSchema.PublicationFacts;
import dev.posthorn.outbox.OutboxSchema.ServerFacts;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Verdicts the shared test server cannot show (its wal_level is logical and cannot change). */
class SchemaCheckTest {

    private static final Set<String> BOTH_TABLES = Set.of("posthorn_outbox", "posthorn_subscriptions");
    private static final PublicationFacts COMPLETE = new PublicationFacts(false, true, true, true, BOTH_TABLES);

    private static ServerFacts healthy() {
        return new ServerFacts("logical", 10, 10, "relay", false, true, BOTH_TABLES, Optional.of(COMPLETE));
    }

    @Test
    void healthyServerHasNoProblems() {
        assertThat(SchemaCheck.evaluate(healthy(), "public", "posthorn").ok()).isTrue();
    }

    @Test
    void walLevelReplicaSaysToSetLogicalAndRestart() {
        ServerFacts facts = new ServerFacts("replica", 10, 10, "relay", false, true, BOTH_TABLES, Optional.of(COMPLETE));

        SchemaReport report = SchemaCheck.evaluate(facts, "public", "posthorn");

        assertThat(report.problems()).containsExactly(new SchemaReport.Problem(
                "wal_level is 'replica', but the relay reads the outbox by logical decoding",
                "set wal_level = logical in postgresql.conf and restart Postgres"));
        assertThat(report.toString()).isEqualTo("Posthorn schema check found 1 problem:\n"
                + "  - wal_level is 'replica', but the relay reads the outbox by logical decoding:"
                + " set wal_level = logical in postgresql.conf and restart Postgres");
    }

    @Test
    void reportsEveryProblemAtOnce() {
        ServerFacts facts = new ServerFacts("minimal", 0, 0, "App User", false, false, Set.of(), Optional.empty());

        SchemaReport report = SchemaCheck.evaluate(facts, "billing", "posthorn");

        assertThat(report.problems()).extracting(SchemaReport.Problem::problem).containsExactly(
                "wal_level is 'minimal', but the relay reads the outbox by logical decoding",
                "max_replication_slots is 0, so the relay cannot create its replication slot",
                "max_wal_senders is 0, so the relay cannot open a replication connection",
                "role App User cannot replicate: it is neither superuser nor has the REPLICATION attribute",
                "table billing.posthorn_outbox does not exist",
                "table billing.posthorn_subscriptions does not exist",
                "publication posthorn does not exist");
        assertThat(report.problems().get(1).fix()).contains("max_replication_slots", "restart");
        assertThat(report.problems().get(3).fix()).startsWith("ALTER ROLE \"App User\" WITH REPLICATION");
        assertThat(report.problems().get(6).fix()).contains(
                "CREATE PUBLICATION posthorn FOR TABLE billing.posthorn_outbox, billing.posthorn_subscriptions");
        assertThat(report.toString()).startsWith("Posthorn schema check found 7 problems:\n  - wal_level");
    }

    @Test
    void superuserMayReplicateWithoutTheAttribute() {
        ServerFacts facts = new ServerFacts("logical", 10, 10, "postgres", true, false, BOTH_TABLES, Optional.of(COMPLETE));
        assertThat(SchemaCheck.evaluate(facts, "public", "posthorn").ok()).isTrue();
    }

    @Test
    void publicationForAllTablesCoversOurs() {
        PublicationFacts allTables = new PublicationFacts(true, true, true, true, Set.of());
        ServerFacts facts = new ServerFacts("logical", 10, 10, "relay", false, true, BOTH_TABLES, Optional.of(allTables));
        assertThat(SchemaCheck.evaluate(facts, "public", "posthorn").ok()).isTrue();
    }
}
