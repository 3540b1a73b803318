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
 * By default ({@link RowRetention#DELETE_IN_TRANSACTION}) {@code publish} inserts the outbox row and
 * deletes it again in the caller's transaction. The write-ahead log keeps the INSERT, which is all the
 * relay (Debezium, reading the WAL) needs, and the table stays empty: nothing to vacuum, nothing to
 * prune, no job to forget. Choose {@link RowRetention#KEEP} to keep rows as a queryable history; then
 * call {@link #prune(Connection, Duration)} regularly so the table does not grow without bound.
 *
 * <p>An {@code Outbox} is immutable and thread-safe; build one per application and share it.
 */
public interface Outbox {

    /** Name of the outbox table (Debezium's outbox columns plus {@code payload_version}, {@code created_at}, {@code traceparent}). */
    String OUTBOX_TABLE = "posthorn_outbox";

    /** Name of the subscriptions table. */
    String SUBSCRIPTIONS_TABLE = "posthorn_subscriptions";

    static Builder builder() {
        return new Builder();
    }

    /** The schema that holds both tables. */
    String schema();

    /** The name of the (database-wide) publication the relay reads. */
    String publication();

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
     *                   double range, and the JSON text at most {@link Builder#maxPayloadBytes} UTF-8 bytes
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
     * Creates whatever is missing: the schema, both tables, the {@code created_at} index and the
     * publication (or adds a missing table to an existing publication). Running it again changes nothing.
     *
     * <p>Runs inside the caller's transaction when auto-commit is off (the caller commits); otherwise it
     * runs in a transaction of its own and commits it. Concurrent installs are serialised with an
     * advisory lock.
     */
    void install(Connection connection) throws SQLException;

    /**
     * Reports everything that would stop the relay from reading the outbox: {@code wal_level},
     * replication slots and WAL senders, missing tables, a missing or incomplete publication, and
     * whether the connection's role may replicate. Run it as the role the relay connects with.
     * Reads only; never changes anything.
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
        private RowRetention retention = RowRetention.DELETE_IN_TRANSACTION;
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

        /** What happens to a row after {@code publish}; default {@link RowRetention#DELETE_IN_TRANSACTION}. */
        public Builder retention(RowRetention retention) {
            this.retention = retention;
            return this;
        }

        /** Largest payload accepted, in UTF-8 bytes of its JSON text; default 262144 (256 KiB). */
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

        /** @throws IllegalArgumentException listing every invalid setting by name */
        public Outbox build() {
            List<String> problems = new ArrayList<>();
            Identifiers.check("schema", schema).ifPresent(problems::add);
            Identifiers.check("publication", publication).ifPresent(problems::add);
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
            return new JdbcOutbox(new OutboxSettings(schema, publication, retention, maxPayloadBytes,
                    secretCipher, secretGracePeriod, clock, mapper));
        }
    }
}
