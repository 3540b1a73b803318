package dev.posthorn.outbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The JDBC implementation behind {@link Outbox}. SQL strings are built once, so that the driver's
 * per-connection statement cache (keyed by SQL text) turns them into server-side prepared statements.
 */
final class JdbcOutbox implements Outbox {

    /** Transactional: the message is decoded at commit, in commit order, and vanishes on rollback. */
    private static final String MESSAGE_SQL = "SELECT pg_logical_emit_message(true, ?, ?)";
    /**
     * A batch in one round trip. {@code ORDER BY} the array position keeps the batch's order in the WAL:
     * Postgres evaluates a volatile function in the select list after sorting.
     */
    private static final String MESSAGES_SQL = "SELECT pg_logical_emit_message(true, ?, m)"
            + " FROM unnest(?::bytea[]) WITH ORDINALITY AS batch(m, position) ORDER BY position";

    /** Rows per prune transaction: big enough to be efficient, small enough to hold locks briefly. */
    static final int PRUNE_BATCH_SIZE = 1000;

    private final OutboxSettings settings;
    private final JsonPayloads payloads;
    private final OutboxSchema schema;
    private final RowRetention retention;
    private final String messagePrefix;
    private final String insertSql;
    private final String deleteSql;
    private final String publishSql;
    private final String pruneSql;

    JdbcOutbox(OutboxSettings settings) {
        this.settings = settings;
        this.payloads = new JsonPayloads(settings.maxPayloadBytes(), settings.objectMapper());
        this.schema = new OutboxSchema(settings);
        String table = settings.qualified(OUTBOX_TABLE);
        this.insertSql = "INSERT INTO " + table
                + " (id, aggregatetype, aggregateid, type, payload, payload_version, created_at, traceparent)"
                + " VALUES (?, ?, ?, ?, ?::json, ?, ?, ?)";
        this.deleteSql = "DELETE FROM " + table + " WHERE id = ?";
        this.retention = settings.retention();
        this.messagePrefix = OutboxMessage.prefix(settings.schema());
        // Insert and delete as one prepared statement holding two SQL statements: the PostgreSQL driver
        // sends both in a single round trip, which halves the cost of a publish in that mode.
        this.publishSql = switch (retention) {
            case WAL_MESSAGE -> MESSAGE_SQL;
            case DELETE_IN_TRANSACTION -> insertSql + "; " + deleteSql;
            case KEEP -> insertSql;
        };
        this.pruneSql = "DELETE FROM " + table + " WHERE id IN (SELECT id FROM " + table
                + " WHERE created_at < ? LIMIT " + PRUNE_BATCH_SIZE + " FOR UPDATE SKIP LOCKED)";
    }

    @Override
    public String schema() {
        return settings.schema();
    }

    @Override
    public String publication() {
        return settings.publication();
    }

    @Override
    public String slotName() {
        return settings.slotName();
    }

    @Override
    public UUID publish(Connection connection, String topic, String key, Object payload) throws SQLException {
        return publish(connection, OutboxEvent.of(topic, key, payload));
    }

    @Override
    public UUID publish(Connection connection, OutboxEvent event) throws SQLException {
        requireTransaction(connection);
        if (event == null) {
            throw new InvalidEventException("event", "must not be null");
        }
        CheckedEvent checked = check(event);
        Instant now = now();
        UUID id = EventIds.next(now.toEpochMilli());
        try (PreparedStatement publish = connection.prepareStatement(publishSql)) {
            if (retention == RowRetention.WAL_MESSAGE) {
                publish.setString(1, messagePrefix);
                publish.setBytes(2, message(id, checked, now));
            } else {
                bind(publish, id, checked, now);
                if (retention == RowRetention.DELETE_IN_TRANSACTION) {
                    publish.setObject(9, id); // the DELETE's parameter, numbered after the INSERT's eight
                }
            }
            publish.execute();
        }
        return id;
    }

    @Override
    public List<UUID> publishAll(Connection connection, List<OutboxEvent> events) throws SQLException {
        requireTransaction(connection);
        if (events == null) {
            throw new InvalidEventException("events", "must not be null");
        }
        List<CheckedEvent> checked = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            OutboxEvent event = events.get(i);
            try {
                if (event == null) {
                    throw new InvalidEventException("event", "must not be null");
                }
                checked.add(check(event));
            } catch (InvalidEventException e) {
                throw e.inBatchAt(i);
            }
        }
        if (checked.isEmpty()) {
            return List.of();
        }
        // One instant for the batch: the events belong to one transaction.
        Instant now = now();
        List<UUID> ids = new ArrayList<>(checked.size());
        if (retention == RowRetention.WAL_MESSAGE) {
            byte[][] messages = new byte[checked.size()][];
            for (int i = 0; i < messages.length; i++) {
                UUID id = EventIds.next(now.toEpochMilli());
                ids.add(id);
                messages[i] = message(id, checked.get(i), now);
            }
            try (PreparedStatement emit = connection.prepareStatement(MESSAGES_SQL)) {
                emit.setString(1, messagePrefix);
                emit.setArray(2, connection.createArrayOf("bytea", messages));
                emit.execute();
            }
            return List.copyOf(ids);
        }
        try (PreparedStatement insert = connection.prepareStatement(insertSql)) {
            for (CheckedEvent event : checked) {
                UUID id = EventIds.next(now.toEpochMilli());
                ids.add(id);
                bind(insert, id, event, now);
                insert.addBatch();
            }
            insert.executeBatch();
        }
        if (retention == RowRetention.DELETE_IN_TRANSACTION) {
            try (PreparedStatement delete = connection.prepareStatement(deleteSql)) {
                for (UUID id : ids) {
                    delete.setObject(1, id);
                    delete.addBatch();
                }
                delete.executeBatch();
            }
        }
        return List.copyOf(ids);
    }

    @Override
    public void install(Connection connection) throws SQLException {
        schema.install(Objects.requireNonNull(connection, "connection"));
    }

    @Override
    public SchemaReport check(Connection connection) throws SQLException {
        return schema.check(Objects.requireNonNull(connection, "connection"));
    }

    @Override
    public long prune(Connection connection, Duration olderThan) throws SQLException {
        Objects.requireNonNull(connection, "connection");
        if (olderThan == null || olderThan.isNegative()) {
            throw new IllegalArgumentException("olderThan: must be zero or positive, was " + olderThan);
        }
        if (!connection.getAutoCommit()) {
            throw new IllegalArgumentException("connection: prune commits each batch on its own so that it never holds"
                    + " locks for long; pass a connection in auto-commit mode (connection.setAutoCommit(true))");
        }
        OffsetDateTime cutoff = OffsetDateTime.ofInstant(now().minus(olderThan), ZoneOffset.UTC);
        long deleted = 0;
        try (PreparedStatement prune = connection.prepareStatement(pruneSql)) {
            int batch;
            do {
                prune.setObject(1, cutoff);
                batch = prune.executeUpdate();
                deleted += batch;
            } while (batch == PRUNE_BATCH_SIZE);
        }
        return deleted;
    }

    @Override
    public Subscriptions subscriptions(DataSource dataSource) {
        return new JdbcSubscriptions(settings, Objects.requireNonNull(dataSource, "dataSource"));
    }

    /** An event whose every field passed validation, payload already rendered as canonical JSON text. */
    private record CheckedEvent(String topic, String key, String json, String traceparent, int payloadVersion) {}

    private CheckedEvent check(OutboxEvent event) {
        Optional<String> topicProblem = Topics.eventTopicProblem(event.topic());
        if (topicProblem.isPresent()) {
            throw new InvalidEventException("topic", topicProblem.get());
        }
        String key = event.key();
        if (key == null || key.isBlank()) {
            throw new InvalidEventException("key", "must not be blank; it orders events (e.g. the aggregate id)");
        }
        if (key.indexOf('\0') >= 0) {
            throw new InvalidEventException("key", "must not contain the character U+0000; Postgres text cannot store it");
        }
        String traceparent = event.traceparent().orElse(null);
        if (traceparent != null) {
            Optional<String> problem = Traceparents.problem(traceparent);
            if (problem.isPresent()) {
                throw new InvalidEventException("traceparent", problem.get());
            }
        }
        if (event.payloadVersion() < 1) {
            throw new InvalidEventException("payloadVersion", "must be at least 1, was " + event.payloadVersion());
        }
        String json = payloads.toJson(event.payload());
        return new CheckedEvent(event.topic(), key, json, traceparent, event.payloadVersion());
    }

    private static void requireTransaction(Connection connection) throws SQLException {
        if (connection == null) {
            throw new InvalidEventException("connection", "must not be null");
        }
        if (connection.getAutoCommit()) {
            throw new InvalidEventException("connection", "publish must run inside your transaction: call"
                    + " connection.setAutoCommit(false) first. In auto-commit mode the event would commit on its own,"
                    + " even if your business change later rolls back");
        }
    }

    private void bind(PreparedStatement insert, UUID id, CheckedEvent event, Instant createdAt) throws SQLException {
        insert.setObject(1, id);
        insert.setString(2, Topics.aggregateType(event.topic()));
        insert.setString(3, event.key());
        insert.setString(4, event.topic());
        insert.setString(5, event.json());
        insert.setInt(6, event.payloadVersion());
        insert.setObject(7, OffsetDateTime.ofInstant(createdAt, ZoneOffset.UTC));
        if (event.traceparent() == null) {
            insert.setNull(8, Types.VARCHAR);
        } else {
            insert.setString(8, event.traceparent());
        }
    }

    private static byte[] message(UUID id, CheckedEvent event, Instant createdAt) {
        return OutboxMessage.content(id, Topics.aggregateType(event.topic()), event.key(), event.topic(), event.json(),
                event.payloadVersion(), createdAt, event.traceparent());
    }

    /** Postgres keeps microseconds; truncating here means the stored value equals what we computed. */
    private Instant now() {
        return settings.clock().instant().truncatedTo(ChronoUnit.MICROS);
    }
}
