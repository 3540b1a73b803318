package dev.posthorn.outbox;

import dev.posthorn.outbox.OutboxSchema.PublicationFacts;
import dev.posthorn.outbox.OutboxSchema.ServerFacts;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/** Judges {@link ServerFacts}: a pure function, so each verdict and its wording is unit-tested. */
final class SchemaCheck {

    private static final String INSTALL = "run Outbox.install(connection)";

    private SchemaCheck() {}

    static SchemaReport evaluate(ServerFacts facts, OutboxSettings settings) {
        String schema = settings.schema();
        String publication = settings.publication();
        List<SchemaReport.Problem> problems = new ArrayList<>();
        List<SchemaReport.Problem> warnings = new ArrayList<>();
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
        if (facts.payloadType().isPresent() && !"json".equals(facts.payloadType().get())) {
            problems.add(new SchemaReport.Problem(
                    "column " + schema + "." + Outbox.OUTBOX_TABLE + ".payload is " + facts.payloadType().get()
                            + ", not json: Postgres rewrites the numbers of payloads stored as jsonb (1e16 becomes"
                            + " 10000000000000000)",
                    INSTALL + ", which changes it to json"));
        }
        if (facts.legacySealedSecrets() > 0) {
            // A warning, not a problem: the relay passes secrets through and must keep streaming; only
            // deliveries to these subscriptions fail (dead-lettered with the reason) until install re-seals them.
            warnings.add(new SchemaReport.Problem(facts.legacySealedSecrets() + " subscription(s) in " + schema + "."
                    + Outbox.SUBSCRIPTIONS_TABLE + " hold secrets sealed in the old v1: format, not bound to their"
                    + " subscription: the delivery consumer refuses them and dead-letters their events",
                    INSTALL + " with the secret key (`posthorn outbox install` with POSTHORN_SECRET_KEY set), which"
                            + " re-seals them"));
        }
        String slot = settings.slotName();
        OptionalLong retained = OptionalLong.empty();
        if (facts.slot().isEmpty()) {
            problems.add(new SchemaReport.Problem(
                    "replication slot " + slot + " does not exist: Postgres is NOT keeping the events published now"
                            + " for the relay, and events published while it is missing are lost to it",
                    INSTALL + " in auto-commit mode (or `posthorn outbox install`), which creates it"));
        } else {
            OutboxSchema.SlotFacts found = facts.slot().get();
            if (!"logical".equals(found.type()) || !OutboxSchema.PLUGIN.equals(found.plugin())) {
                problems.add(new SchemaReport.Problem("replication slot " + slot + " is a " + found.type() + " slot with"
                        + " plugin " + found.plugin() + ", but the relay reads a logical slot with plugin "
                        + OutboxSchema.PLUGIN, "SELECT pg_drop_replication_slot('" + slot + "') while no relay runs, then "
                        + INSTALL));
            } else if (!found.inThisDatabase()) {
                problems.add(new SchemaReport.Problem("replication slot " + slot + " belongs to database "
                        + found.database() + ", not this one", "give this database's relay its own slot name"));
            }
            if ("lost".equals(found.walStatus())) {
                problems.add(new SchemaReport.Problem("replication slot " + slot + " has lost WAL it needed"
                        + " (max_slot_wal_keep_size): events published meanwhile cannot reach the relay",
                        "recover them from the application's records; then drop the slot and " + INSTALL));
            }
            if (found.retainedWalBytes() >= 0) {
                retained = OptionalLong.of(found.retainedWalBytes());
                if (found.retainedWalBytes() > settings.retainedWalWarningBytes()) {
                    warnings.add(new SchemaReport.Problem("replication slot " + slot + " retains "
                            + found.retainedWalBytes() + " bytes of WAL, over the warning threshold of "
                            + settings.retainedWalWarningBytes() + (found.active() ? " (the relay is reading it, but behind)"
                            : " (no relay is reading it now)") + "; WAL is kept until the relay confirms it, and a slot"
                            + " nobody reads fills the disk",
                            "start the relay (or find why it is behind); drop the slot only if this outbox is abandoned"));
                }
            }
        }
        return new SchemaReport(problems, warnings, retained);
    }
}
