package dev.posthorn.outbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.posthorn.signature.SecretCipher;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The door to Posthorn for an application: write events into the transactional outbox, install and
 * check the schema, manage webhook subscriptions.
 *
 * <pre>{@code
 * Outbox outbox = Outbox.builder().build();          // schema "public", publication "posthorn"
 * connection.setAutoCommit(false);
 * // ... your own INSERT/UPDATE ...
 * UUID eventId = outbox.publish(connection, "invoice.created", invoiceId, invoice);
 * connection.commit();                               // the event exists if and only if this commits
 * }</pre>
 *
 * <h2>Row retention</h2>
 * By default ({@link RowRetention#WAL_MESSAGE}) {@code publish} writes no row at all: the event goes into
 * the write-ahead log as a transactional logical decoding message, which is all the relay (Debezium,
 * reading the WAL) needs. The table stays empty: nothing to vacuum, nothing to prune, no job to forget,
 * and the least work for the database. {@link RowRetention#DELETE_IN_TRANSACTION} inserts the row and
 * deletes it in the same transaction, for other readers of the table such as Debezium's EventRouter.
 * Choose {@link RowRetention#KEEP} to keep rows as a queryable history; then call
 * {@link #prune(Connection, Duration)} regularly so the table does not grow without bound.
 *
 * <p>An {@code Outbox} is immutable and thread-safe; build one per application and share it.
 */
public interface Outbox {

    /** Name of the outbox table (Debezium's outbox columns plus {@code payload_version}, {@code created_at}, {@code traceparent}). */
    String OUTBOX_TABLE = "posthorn_outbox";

    /** Name of the subscriptions table. */
    String SUBSCRIPTIONS_TABLE = "posthorn_subscriptions";

    /** A builder with every default: schema {@code public}, publication and slot {@code posthorn}. */
    static Builder builder() {
        return new Builder();
    }

    /** The schema that holds both tables. */
    String schema();

    /** The name of the (database-wide) publication the relay reads. */
    String publication();

    /** The name of the logical replication slot (pgoutput) that {@link #install} creates and the relay reads. */
    String slotName();

    /**
     * Writes one event in the caller's transaction and returns its id.
     *
     * @param connection a connection with auto-commit off; the event becomes visible when the caller commits
     * @param topic      event topic such as {@code invoice.created}; its first segment becomes {@code aggregatetype}
     * @param key        ordering key (Kafka record key, Debezium {@code aggregateid}), e.g. the invoice id
     * @param payload    a {@code String} holding JSON text, a Jackson {@code JsonNode}, or any object the
     *                   configured {@link ObjectMapper} serialises. A {@code String} is always read as JSON
     *                   text: to publish a JSON string, quote it ({@code "\"paid\""}) or pass a {@code TextNode}.
     *                   Any JSON value except {@code null} is accepted; numbers must be finite and within
     *                   double range. It is stored as canonical JSON (keys sorted, no insignificant
     *                   whitespace, numbers as CPython's {@code json.dumps} writes them: {@code 1e16} becomes
     *                   {@code 1e+16} and stays a float, integers keep every digit), exactly the text subscribers
     *                   receive, which must be at most {@link Builder#maxPayloadBytes} bytes
     * @throws InvalidEventException before anything is written, naming the offending field
     * @throws SQLException          from the database; the caller's transaction is then unusable and must roll back
     */
    UUID publish(Connection connection, String topic, String key, Object payload) throws SQLException;

    /** Writes one event, with its optional traceparent and payload version; see {@link #publish(Connection, String, String, Object)}. */
    UUID publish(Connection connection, OutboxEvent event) throws SQLException;

    /**
     * Writes several events with one JDBC batch in the caller's transaction and returns their ids in
     * order. Every event is validated before any is written: one bad event writes nothing.
     *
     * @throws InvalidEventException naming the field and {@link InvalidEventException#eventIndex() the index} of the first bad event
     */
    List<UUID> publishAll(Connection connection, List<OutboxEvent> events) throws SQLException;

    /**
     * Creates whatever is missing: the schema, both tables, the {@code created_at} index, the
     * publication (or adds a missing table to an existing publication) and the logical replication slot
     * ({@link Builder#slotName}, plugin {@code pgoutput}), so that Postgres keeps the WAL of every event
     * from now on, even if the relay first starts days later. It also migrates older installs: a
     * {@code jsonb} payload column becomes {@code json} (Postgres rewrote numbers in {@code jsonb}; rows
     * already stored keep the text {@code jsonb} made of them), and, when built with a
     * {@link Builder#secretCipher secret cipher}, re-seals subscription secrets stored in the older
     * {@code v1:} format so that each is bound to its subscription (without a cipher it logs a warning:
     * the delivery consumer refuses {@code v1:} values). Running it again changes nothing.
     *
     * <p>Runs in a transaction of its own and commits it when auto-commit is on, then creates the slot
     * (Postgres creates a logical slot only outside a transaction that has written, and only after the
     * publication is committed). When auto-commit is off, the schema work joins the caller's transaction
     * (the caller commits) and the slot is <em>not</em> created: call {@code install} again in
     * auto-commit mode after committing, or {@link #check} reports the slot as missing. Concurrent
     * installs are serialised with an advisory lock; a slot that already exists is kept as it is.
     *
     * @throws SQLException also when the slot cannot be created, e.g. because the role may not replicate
     *     (the schema is committed by then; run {@code install} again once that is fixed)
     */
    void install(Connection connection) throws SQLException;

    /**
     * Reports everything that would stop the relay from reading the outbox: {@code wal_level},
     * replication slots and WAL senders, missing tables, a missing or incomplete publication, a missing
     * replication slot (then events published now are not kept for the relay), a {@code jsonb} payload
     * column still to migrate, subscription secrets still in the old {@code v1:} format (when the role
     * may read the subscriptions table), and whether the connection's role may replicate. Also measures the WAL
     * the slot retains and warns past {@link Builder#retainedWalWarningBytes}. Run it as the role the
     * relay connects with. Reads only; never changes anything.
     */
    SchemaReport check(Connection connection) throws SQLException;

    /**
     * Deletes outbox rows created before {@code now - olderThan}, in batches that each commit on their
     * own, so it never holds locks for long. Needed only with {@link RowRetention#KEEP}. Safe while the
     * relay runs: the relay reads inserts from the WAL, not from the table.
     *
     * @param connection a connection in auto-commit mode (each batch is its own short transaction)
     * @return how many rows were deleted
     */
    long prune(Connection connection, Duration olderThan) throws SQLException;

    /**
     * Subscription management over connections from {@code dataSource}; each call is one statement,
     * committed before it returns. Adding and rotating secrets and reading them back needs a
     * {@link Builder#secretCipher(SecretCipher) secret cipher}; the other operations do not.
     */
    Subscriptions subscriptions(DataSource dataSource);

    /**
     * Settings of an {@link Outbox}; every default is the one written on its setter. {@link #build()}
     * validates all settings at once and names every bad one.
     */
    final class Builder {

        private String schema = "public";
        private String publication = "posthorn";
        private String slotName = "posthorn";
        private long retainedWalWarningBytes = 1L << 30;
        private RowRetention retention = RowRetention.WAL_MESSAGE;
        private int maxPayloadBytes = 256 * 1024;
        private SecretCipher secretCipher;
        private Duration secretGracePeriod = Duration.ofHours(24);
        private Clock clock = Clock.systemUTC();
        private ObjectMapper objectMapper;

        Builder() {}

        /** Schema of both tables; default {@code public}. A lowercase SQL identifier. */
        public Builder schema(String schema) {
            this.schema = schema;
            return this;
        }

        /** Publication the relay reads; default {@code posthorn}. A lowercase SQL identifier. */
        public Builder publication(String publication) {
            this.publication = publication;
            return this;
        }

        /**
         * Logical replication slot created by {@link Outbox#install} and read by the relay; default
         * {@code posthorn}. Must equal the relay's slot name. A lowercase SQL identifier.
         */
        public Builder slotName(String slotName) {
            this.slotName = slotName;
            return this;
        }

        /**
         * {@link Outbox#check} warns when the slot retains more WAL than this many bytes (a slot nobody
         * reads keeps WAL until the disk fills); default 1073741824 (1 GiB).
         */
        public Builder retainedWalWarningBytes(long retainedWalWarningBytes) {
            this.retainedWalWarningBytes = retainedWalWarningBytes;
            return this;
        }

        /** What {@code publish} leaves in the outbox table; default {@link RowRetention#WAL_MESSAGE} (no row). */
        public Builder retention(RowRetention retention) {
            this.retention = retention;
            return this;
        }

        /**
         * Largest payload accepted, in bytes of its canonical JSON (what is stored, sent and signed);
         * default 262144 (256 KiB).
         */
        public Builder maxPayloadBytes(int maxPayloadBytes) {
            this.maxPayloadBytes = maxPayloadBytes;
            return this;
        }

        /**
         * Seals subscription secrets at rest; none by default, which is enough for publishing. Usually
         * {@link SecretKeys#fromEnvironment(boolean)}.
         */
        public Builder secretCipher(SecretCipher secretCipher) {
            this.secretCipher = secretCipher;
            return this;
        }

        /** How long the previous secret keeps signing after a rotation; default 24 hours. */
        public Builder secretGracePeriod(Duration secretGracePeriod) {
            this.secretGracePeriod = secretGracePeriod;
            return this;
        }

        /** Source of event ids' time, {@code created_at}, and secret expiry; default {@link Clock#systemUTC()}. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * Serialises payload objects that are neither JSON text nor a {@code JsonNode}; default a plain
         * {@code new ObjectMapper()}. Pass your application's mapper to keep its modules (java.time etc.).
         */
        public Builder objectMapper(ObjectMapper objectMapper) {
            this.objectMapper = objectMapper;
            return this;
        }

        /**
         * Validates every setting at once and builds the outbox.
         *
         * @throws IllegalArgumentException listing every invalid setting by name
         */
        public Outbox build() {
            List<String> problems = new ArrayList<>();
            Identifiers.check("schema", schema).ifPresent(problems::add);
            Identifiers.check("publication", publication).ifPresent(problems::add);
            Identifiers.check("slotName", slotName).ifPresent(problems::add);
            if (retainedWalWarningBytes < 1) {
                problems.add("retainedWalWarningBytes: must be at least 1, was " + retainedWalWarningBytes);
            }
            if (retention == null) {
                problems.add("retention: must not be null");
            }
            if (maxPayloadBytes < 2) {
                problems.add("maxPayloadBytes: must be at least 2 (the size of {}), was " + maxPayloadBytes);
            }
            if (secretGracePeriod == null || secretGracePeriod.isNegative()) {
                problems.add("secretGracePeriod: must be zero or positive, was " + secretGracePeriod);
            }
            if (clock == null) {
                problems.add("clock: must not be null");
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("invalid Outbox settings: " + String.join("; ", problems));
            }
            ObjectMapper mapper = Objects.requireNonNullElseGet(objectMapper, ObjectMapper::new);
            return new JdbcOutbox(new OutboxSettings(schema, publication, slotName, retainedWalWarningBytes, retention, maxPayloadBytes,
                    secretCipher, secretGracePeriod, clock, mapper));
        }
    }
}
