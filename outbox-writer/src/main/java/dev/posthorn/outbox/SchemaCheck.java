package dev.posthorn.outbox;

import dev.posthorn.outbox.OutboxSchema.PublicationFacts;
import dev.posthorn.outbox.OutboxSchema.ServerFacts;
import java.util.ArrayList;
import java.util.List;

/** Judges {@link ServerFacts}: a pure function, so each verdict and its wording is unit-tested. */
final class SchemaCheck {

    private static final String INSTALL = "run Outbox.install(connection)";

    private SchemaCheck() {}

    static SchemaReport evaluate(ServerFacts facts, String schema, String publication) {
        List<SchemaReport.Problem> problems = new ArrayList<>();
        if (!"logical".equals(facts.walLevel())) {
            problems.add(new SchemaReport.Problem(
                    "wal_level is '" + facts.walLevel() + "', but the relay reads the outbox by logical decoding",
                    "set wal_level = logical in postgresql.conf and restart Postgres"));
        }
        if (facts.maxReplicationSlots() == 0) {
            problems.add(new SchemaReport.Problem(
                    "max_replication_slots is 0, so the relay cannot create its replication slot",
                    "set max_replication_slots = 10 (at least 1) in postgresql.conf and restart Postgres"));
        }
        if (facts.maxWalSenders() == 0) {
            problems.add(new SchemaReport.Problem(
                    "max_wal_senders is 0, so the relay cannot open a replication connection",
                    "set max_wal_senders = 10 (at least 1) in postgresql.conf and restart Postgres"));
        }
        if (!facts.superuser() && !facts.replication()) {
            String role = Identifiers.forSql(facts.role());
            problems.add(new SchemaReport.Problem(
                    "role " + facts.role() + " cannot replicate: it is neither superuser nor has the REPLICATION attribute",
                    "ALTER ROLE " + role + " WITH REPLICATION (as a superuser), or let the relay connect as a role that has it"));
        }
        for (String table : OutboxSchema.TABLES) {
            if (!facts.existingTables().contains(table)) {
                problems.add(new SchemaReport.Problem("table " + schema + "." + table + " does not exist",
                        INSTALL + ", which creates it"));
            }
        }
        if (facts.publication().isEmpty()) {
            problems.add(new SchemaReport.Problem("publication " + publication + " does not exist",
                    INSTALL + ", or CREATE PUBLICATION " + publication + " FOR TABLE " + schema + "." + Outbox.OUTBOX_TABLE
                            + ", " + schema + "." + Outbox.SUBSCRIPTIONS_TABLE));
        } else {
            PublicationFacts published = facts.publication().get();
            for (String table : OutboxSchema.TABLES) {
                if (!published.allTables() && !published.tables().contains(table)) {
                    problems.add(new SchemaReport.Problem(
                            "publication " + publication + " does not include " + schema + "." + table,
                            "ALTER PUBLICATION " + publication + " ADD TABLE " + schema + "." + table + ", or " + INSTALL));
                }
            }
            List<String> missing = new ArrayList<>();
            if (!published.insert()) {
                missing.add("insert");
            }
            if (!published.update()) {
                missing.add("update");
            }
            if (!published.delete()) {
                missing.add("delete");
            }
            if (!missing.isEmpty()) {
                problems.add(new SchemaReport.Problem(
                        "publication " + publication + " does not publish " + String.join(", ", missing),
                        "ALTER PUBLICATION " + publication + " SET (publish = 'insert, update, delete, truncate')"));
            }
        }
        return new SchemaReport(problems);
    }
}
