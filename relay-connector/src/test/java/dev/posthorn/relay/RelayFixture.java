package dev.posthorn.relay;

import dev.posthorn.outbox.Outbox;
import dev.posthorn.signature.CanonicalJson;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PostgresServer;
import dev.posthorn.testkit.TestScope;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Shared test plumbing: a relay config for one test's scope, outbox rows, and reading topics back. */
final class RelayFixture {

    /** One outbox row as a test writes it, and what the relay must make of it. */
    record Row(UUID id, String aggregateType, String aggregateId, String type, String payloadJson, int version,
            Instant createdAt, String traceparent) {

        static Row of(String aggregateId, String type, String payloadJson) {
            return new Row(UUID.randomUUID(), type.substring(0, type.indexOf('.') < 0 ? type.length() : type.indexOf('.')),
                    aggregateId, type, payloadJson, 1, Instant.now().truncatedTo(ChronoUnit.MICROS), null);
        }

        Row withTraceparent(String tp) {
            return new Row(id, aggregateType, aggregateId, type, payloadJson, version, createdAt, tp);
        }

        Row withVersion(int v) {
            return new Row(id, aggregateType, aggregateId, type, payloadJson, v, createdAt, traceparent);
        }

        /** The envelope of internal-contracts.md, built independently of the relay's code. */
        byte[] expectedValue() {
            Map<String, Object> envelope = new TreeMap<>();
            envelope.put("created_at", createdAt.toString());
            envelope.put("payload", CanonicalJson.parse(payloadJson));
            envelope.put("topic", type);
            envelope.put("version", version);
            return CanonicalJson.write(envelope).getBytes(StandardCharsets.UTF_8);
        }
    }

    final PostgresServer postgres;
    final String bootstrap;
    final TestScope scope;
    final Outbox outbox;

    RelayFixture(PostgresServer postgres, String bootstrap, TestScope scope) {
        this.postgres = postgres;
        this.bootstrap = bootstrap;
        this.scope = scope;
        this.outbox = Outbox.builder().schema(scope.schema()).publication(scope.publicationName())
                .slotName(scope.slotName()).build();
    }

    RelayFixture(PostgresServer postgres, KafkaBroker kafka, TestScope scope) {
        this(postgres, kafka.bootstrapServers(), scope);
    }

    /** What users run before the relay: tables, publication and the replication slot. */
    RelayFixture install() throws SQLException {
        try (Connection c = postgres.connect()) {
            outbox.install(c);
        }
        return this;
    }

    RelayConfig.Builder config() {
        return RelayConfig.builder()
                .host(postgres.host())
                .port(postgres.port())
                .database(postgres.database())
                .user(postgres.user())
                .password(postgres.password())
                .schema(scope.schema())
                .slotName(scope.slotName())
                .publicationName(scope.publicationName())
                .kafkaBootstrap(bootstrap)
                .topicPrefix(scope.topicPrefix())
                .eventsPartitions(3)
                .offsetFlushInterval(Duration.ofSeconds(1))
                .standbyPollInterval(Duration.ofMillis(500))
                .leaderCheckInterval(Duration.ofMillis(250))
                .restartBackoff(Duration.ofMillis(500));
    }

    static RelayService startStreaming(RelayConfig config) throws InterruptedException {
        RelayService relay = new RelayService(config);
        relay.start();
        try {
            if (!relay.awaitStreaming(Duration.ofSeconds(60))) {
                throw new AssertionError("relay not streaming after 60 s, state " + relay.state());
            }
        } catch (RuntimeException | InterruptedException | AssertionError e) {
            relay.close();
            throw e;
        }
        return relay;
    }

    /** Inserts rows in one transaction; commits or rolls back; optionally deletes them in the same transaction. */
    void insert(List<Row> rows, boolean commit, boolean deleteInTransaction) throws SQLException {
        try (Connection c = postgres.connect(scope.schema())) {
            insert(c, rows, commit, deleteInTransaction);
        }
    }

    /** Same, on the caller's connection (search_path set to the test's schema). */
    static void insert(Connection c, List<Row> rows, boolean commit, boolean deleteInTransaction) throws SQLException {
        {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement("INSERT INTO posthorn_outbox"
                    + " (id, aggregatetype, aggregateid, type, payload, payload_version, created_at, traceparent)"
                    + " VALUES (?, ?, ?, ?, ?::json, ?, ?, ?)")) {
                for (Row r : rows) {
                    s.setObject(1, r.id());
                    s.setString(2, r.aggregateType());
                    s.setString(3, r.aggregateId());
                    s.setString(4, r.type());
                    s.setString(5, r.payloadJson());
                    s.setInt(6, r.version());
                    s.setTimestamp(7, Timestamp.from(r.createdAt()));
                    s.setString(8, r.traceparent());
                    s.addBatch();
                }
                s.executeBatch();
            }
            if (deleteInTransaction) {
                try (PreparedStatement s = c.prepareStatement("DELETE FROM posthorn_outbox WHERE id = ?")) {
                    for (Row r : rows) {
                        s.setObject(1, r.id());
                        s.addBatch();
                    }
                    s.executeBatch();
                }
            }
            if (commit) {
                c.commit();
            } else {
                c.rollback();
            }
        }
    }

    void sql(String statement) throws SQLException {
        try (Connection c = postgres.connect(scope.schema()); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    String slotConfirmedFlushLsn() throws SQLException {
        try (Connection c = postgres.connect();
                PreparedStatement s = c.prepareStatement(
                        "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?")) {
            s.setString(1, scope.slotName());
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    boolean slotActive() throws SQLException {
        try (Connection c = postgres.connect();
                PreparedStatement s = c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
            s.setString(1, scope.slotName());
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** Reads {@code topic} from the beginning until {@code done} holds for what was read, or fails after {@code timeout}. */
    List<ConsumerRecord<byte[], byte[]>> readUntil(String topic, Duration timeout,
            Predicate<List<ConsumerRecord<byte[], byte[]>>> done) {
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Await.until(timeout, "records on " + topic + " (have " + all.size() + ")", () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(all::add);
                return done.test(all);
            });
        }
        return all;
    }

    List<ConsumerRecord<byte[], byte[]>> readCount(String topic, int count, Duration timeout) {
        return readUntil(topic, timeout, r -> r.size() >= count);
    }

    /**
     * Reads {@code topic} from the beginning, counting records per {@code posthorn.event_id}, until every
     * id in {@code wanted} was seen; returns the counts (duplicates have a count above 1).
     */
    Map<String, Integer> readIds(String topic, java.util.Collection<String> wanted, Duration timeout) {
        Map<String, Integer> counts = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Await.until(timeout, wanted.size() + " event ids on " + topic, () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> counts.merge(header(r, "posthorn.event_id"), 1, Integer::sum));
                return counts.size() >= wanted.size() && counts.keySet().containsAll(wanted);
            });
        }
        return counts;
    }

    /** Everything on {@code topic} now (reads up to the end offsets). */
    List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Await.until(Duration.ofSeconds(60), "end of " + topic, () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(all::add);
                return partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
            });
        }
        return all;
    }

    KafkaConsumer<byte[], byte[]> consumer() {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static Optional<String> key(ConsumerRecord<byte[], byte[]> record) {
        return Optional.ofNullable(record.key()).map(k -> new String(k, StandardCharsets.UTF_8));
    }

    static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
