package dev.posthorn.outbox;

import static dev.posthorn.outbox.Fixtures.installed;
import static dev.posthorn.outbox.Fixtures.outboxIn;
import static dev.posthorn.outbox.Fixtures.outboxRows;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@PosthornIntegrationTest
class PublishTest {

    /** Reads numbers as BigDecimal, so trees compare by value. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    record Invoice(String id, BigDecimal total, List<String> lines) {}

    @Test
    void committedEventIsStoredWithEveryColumn(TestScope scope) throws Exception {
        MutableClock clock = MutableClock.at("2026-03-01T10:15:30.123456Z");
        Outbox outbox = installed(scope, outboxIn(scope).retention(RowRetention.KEEP).clock(clock));

        UUID id;
        try (Connection connection = scope.connect()) {
            connection.setAutoCommit(false);
            id = outbox.publish(connection, OutboxEvent.of("invoice.created", "inv-42", "{\"id\":\"inv-42\",\"total\":12.50}")
                    .withTraceparent(TRACEPARENT)
                    .withPayloadVersion(3));
            assertThat(outboxRows(scope)).as("invisible to others before commit").isZero();
            connection.commit();
        }

        try (Connection connection = scope.connect(); Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT * FROM posthorn_outbox")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getObject("id", UUID.class)).isEqualTo(id);
            assertThat(rs.getString("aggregatetype")).isEqualTo("invoice");
            assertThat(rs.getString("aggregateid")).isEqualTo("inv-42");
            assertThat(rs.getString("type")).isEqualTo("invoice.created");
            assertThat(JSON.readTree(rs.getString("payload"))).isEqualTo(JSON.readTree("{\"id\":\"inv-42\",\"total\":12.5}"));
            assertThat(rs.getInt("payload_version")).isEqualTo(3);
            assertThat(rs.getObject("created_at", OffsetDateTime.class).toInstant()).isEqualTo(clock.instant());
            assertThat(rs.getString("traceparent")).isEqualTo(TRACEPARENT);
            assertThat(rs.next()).as("exactly one row").isFalse();
        }
        assertThat(id.version()).as("time-ordered UUIDv7").isEqualTo(7);
        assertThat(id.getMostSignificantBits() >>> 16).as("UUIDv7 carries the clock's milliseconds")
                .isEqualTo(clock.instant().toEpochMilli());
    }

    @Test
    void rollbackLeavesNothing(TestScope scope) throws Exception {
        Outbox outbox = installed(scope, outboxIn(scope).retention(RowRetention.KEEP));
        try (Connection connection = scope.connect()) {
            connection.setAutoCommit(false);
            outbox.publish(connection, "invoice.created", "inv-1", "{}");
            outbox.publishAll(connection, List.of(OutboxEvent.of("invoice.paid", "inv-1", "{}")));
            connection.rollback();
            assertThat(Fixtures.count(connection, "posthorn_outbox")).isZero();
        }
        assertThat(outboxRows(scope)).isZero();
    }

    @Test
    void payloadMayBeJsonTextJsonNodeOrAnySerialisableObject(TestScope scope) throws Exception {
        Outbox outbox = installed(scope, outboxIn(scope).retention(RowRetention.KEEP));
        ObjectNode node = JSON.createObjectNode().put("kind", "node").put("n", 1);
        Invoice invoice = new Invoice("inv-7", new BigDecimal("19.99"), List.of("tea", "cake"));
        List<UUID> ids = new ArrayList<>();
        try (Connection connection = scope.connect()) {
            connection.setAutoCommit(false);
            ids.add(outbox.publish(connection, "a.text", "k", "[1, \"two\", {\"three\": 3}]"));
            ids.add(outbox.publish(connection, "a.node", "k", node));
            ids.add(outbox.publish(connection, "a.record", "k", invoice));
            ids.add(outbox.publish(connection, "a.map", "k", Map.of("big", new BigDecimal("12345678901234567890.0123456789"))));
            ids.add(outbox.publish(connection, "a.scalar", "k", "\"just a string\""));
            connection.commit();
        }
        assertThat(payloadOf(scope, ids.get(0))).isEqualTo(JSON.readTree("[1, \"two\", {\"three\": 3}]"));
        assertThat(payloadOf(scope, ids.get(1))).isEqualTo(node);
        assertThat(payloadOf(scope, ids.get(2))).isEqualTo(JSON.valueToTree(invoice));
        assertThat(payloadTextOf(scope, ids.get(3)))
                .as("stored as canonical JSON: a float as CPython's repr writes it")
                .isEqualTo("{\"big\":1.2345678901234567e+19}");
        assertThat(payloadOf(scope, ids.get(4)).textValue()).isEqualTo("just a string");
    }

    @Test
    void applicationObjectMapperSerialisesPayloadObjects(TestScope scope) throws Exception {
        ObjectMapper snakeCase = new ObjectMapper()
                .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE);
        Outbox outbox = installed(scope, outboxIn(scope).retention(RowRetention.KEEP).objectMapper(snakeCase));
        record OrderPlaced(String orderId, int itemCount) {}
        UUID id;
        try (Connection connection = scope.connect()) {
            connection.setAutoCommit(false);
            id = outbox.publish(connection, "order.placed", "o-1", new OrderPlaced("o-1", 2));
            connection.commit();
        }
        assertThat(payloadOf(scope, id)).isEqualTo(JSON.readTree("{\"order_id\":\"o-1\",\"item_count\":2}"));
    }

    @Test
    void batchWritesEveryEventInOrder(TestScope scope) throws Exception {
        Outbox outbox = installed(scope, outboxIn(scope).retention(RowRetention.KEEP));
        List<OutboxEvent> events = List.of(
                OutboxEvent.of("invoice.created", "inv-1", "{\"n\":1}"),
                OutboxEvent.of("invoice.paid", "inv-1", JSON.createObjectNode().put("n", 2)).withTraceparent(TRACEPARENT),
                OutboxEvent.of("customer.updated", "c-9", Map.of("n", 3)).withPayloadVersion(2));
        List<UUID> ids;
        try (Connection connection = scope.connect()) {
            connection.setAutoCommit(false);
            ids = outbox.publishAll(connection, events);
            connection.commit();
        }
        assertThat(ids).hasSize(3).doesNotHaveDuplicates();
        try (Connection connection = scope.connect();
                PreparedStatement query = connection.prepareStatement(
                        "SELECT aggregatetype, aggregateid, type, payload->>'n', payload_version, traceparent"
                                + " FROM posthorn_outbox WHERE id = ?")) {
            List<String> rows = new ArrayList<>();
            for (UUID id : ids) {
                query.setObject(1, id);
                try (ResultSet rs = query.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    rows.add(rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getString(4)
                            + "|" + rs.getInt(5) + "|" + rs.getString(6));
                }
            }
            assertThat(rows).containsExactly(
                    "invoice|inv-1|invoice.created|1|1|null",
                    "invoice|inv-1|invoice.paid|2|1|" + TRACEPARENT,
                    "customer|c-9|customer.updated|3|2|null");
        }
    }

    @Test
    void emptyBatchWritesNothing(TestScope scope) throws Exception {
        Outbox outbox = installed(scope, outboxIn(scope).retention(RowRetention.KEEP));
        try (Connection connection = scope.connect()) {
            connection.setAutoCommit(false);
            assertThat(outbox.publishAll(connection, List.of())).isEmpty();
            connection.commit();
        }
        assertThat(outboxRows(scope)).isZero();
    }

    /**
     * The default mode writes no row: each event is one transactional logical decoding message with this
     * outbox's prefix, in publish order, read here straight from the pgoutput slot as Debezium reads it
     * (the relay's own tests follow the event all the way to Kafka).
     */
    @Test
    void defaultModeWritesOneWalMessagePerEventInOrderAndNoRow(TestScope scope) throws Exception {
        Outbox outbox = installed(scope, outboxIn(scope));
        try (Connection admin = scope.connect(); Statement statement = admin.createStatement()) {
            try {
                UUID single;
                List<UUID> batch;
                List<OutboxEvent> events = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    events.add(OutboxEvent.of("invoice.paid", "inv-" + (i % 3), "{\"marker\":\"batch-" + i + "\"}"));
                }
                try (Connection connection = scope.connect()) {
                    connection.setAutoCommit(false);
                    single = outbox.publish(connection, "invoice.created", "inv-1", "{\"marker\":\"single\",\"n\":1e16}");
                    batch = outbox.publishAll(connection, events);
                    connection.rollback(); // a rolled-back publish leaves nothing behind
                    single = outbox.publish(connection, "invoice.created", "inv-1", "{\"marker\":\"single\",\"n\":1e16}");
                    batch = outbox.publishAll(connection, events);
                    connection.commit();
                }
                assertThat(outboxRows(scope)).as("no row in the table").isZero();

                List<byte[]> messages = Await.value(Duration.ofSeconds(30), "the transaction in the decodable WAL",
                        () -> Optional.of(peekPgoutput(statement, scope, true)).filter(m -> m.stream().anyMatch(x -> x[0] == 'C')));
                List<String> contents = new ArrayList<>();
                for (byte[] message : messages) {
                    assertThat(message[0]).as("only BEGIN, messages and COMMIT: no INSERT, no DELETE")
                            .isIn((byte) 'B', (byte) 'M', (byte) 'C');
                    if (message[0] == 'M') {
                        String text = new String(message, StandardCharsets.UTF_8);
                        assertThat(text).contains(scope.schema() + ".posthorn_outbox");
                        contents.add(text.substring(text.indexOf('{')));
                    }
                }
                assertThat(contents).hasSize(41);
                JsonNode first = JSON.readTree(contents.get(0));
                assertThat(first.get("id").asText()).isEqualTo(single.toString());
                assertThat(first.get("type").asText()).isEqualTo("invoice.created");
                assertThat(first.get("aggregateid").asText()).isEqualTo("inv-1");
                assertThat(first.get("payload_version").asInt()).isEqualTo(1);
                assertThat(contents.get(0)).as("the canonical payload text, embedded as validated")
                        .contains("\"payload\":" + dev.posthorn.signature.CanonicalJson.canonicalize("{\"marker\":\"single\",\"n\":1e16}") + ",");
                for (int i = 0; i < 40; i++) {
                    JsonNode event = JSON.readTree(contents.get(i + 1));
                    assertThat(event.get("id").asText()).isEqualTo(batch.get(i).toString());
                    assertThat(event.get("payload").get("marker").asText()).isEqualTo("batch-" + i);
                }
            } finally {
                statement.execute("SELECT pg_drop_replication_slot('" + scope.slotName() + "')");
            }
        }
    }

    /**
     * Delete-in-transaction mode deletes the row in the same transaction. The table stays empty, yet the WAL
     * keeps the INSERT, which other readers of the table (Debezium's EventRouter) need.
     */
    @Test
    void deleteInTransactionModeLeavesTableEmptyWhileWalKeepsTheInsert(TestScope scope) throws Exception {
        Outbox outbox = installed(scope, outboxIn(scope).retention(RowRetention.DELETE_IN_TRANSACTION));
        try (Connection admin = scope.connect(); Statement statement = admin.createStatement()) {
            // install created the test's slot (pgoutput), so the WAL is kept from install on.
            try {
                UUID single;
                List<UUID> batch;
                try (Connection connection = scope.connect()) {
                    connection.setAutoCommit(false);
                    single = outbox.publish(connection, "invoice.created", "inv-1", "{\"marker\":\"single\"}");
                    batch = outbox.publishAll(connection, List.of(
                            OutboxEvent.of("invoice.paid", "inv-1", "{\"marker\":\"batch-1\"}"),
                            OutboxEvent.of("invoice.paid", "inv-2", "{\"marker\":\"batch-2\"}")));
                    connection.commit();
                }
                assertThat(outboxRows(scope)).as("rows deleted in the publishing transaction").isZero();

                // The test server commits asynchronously: wait until the WAL holding the commit is flushed.
                List<byte[]> messages = Await.value(Duration.ofSeconds(30), "the transaction in the decodable WAL",
                        () -> Optional.of(peekPgoutput(statement, scope, false)).filter(m -> m.stream().anyMatch(x -> x[0] == 'C')));
                List<String> inserts = new ArrayList<>();
                int deletes = 0;
                for (byte[] message : messages) {
                    if (message[0] == 'I') {
                        inserts.add(new String(message, StandardCharsets.UTF_8));
                    } else if (message[0] == 'D') {
                        deletes++;
                    }
                }
                assertThat(inserts).hasSize(3);
                assertThat(inserts.get(0)).contains(single.toString(), "invoice.created", "single");
                assertThat(inserts.get(1)).contains(batch.get(0).toString(), "batch-1");
                assertThat(inserts.get(2)).contains(batch.get(1).toString(), "batch-2");
                assertThat(deletes).as("the deletes, which the relay skips").isEqualTo(3);
            } finally {
                statement.execute("SELECT pg_drop_replication_slot('" + scope.slotName() + "')");
            }
        }
    }

    @Test
    void publishingManyEventsInTheDefaultModeLeavesTheTableEmpty(TestScope scope) throws Exception {
        Outbox outbox = installed(scope, outboxIn(scope));
        try (Connection connection = scope.connect()) {
            connection.setAutoCommit(false);
            publishInTransactionsOf100(outbox, connection, 1000); // warm up the JIT and the statement cache
            int events = 3000;
            long started = System.nanoTime();
            publishInTransactionsOf100(outbox, connection, events);
            Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
            System.out.printf("PUBLISH %d events in %d ms (%.0f/s, one thread, default WAL-message mode)%n",
                    events, elapsed.toMillis(), events / (elapsed.toNanos() / 1e9));
            // A figure for the log only: speed targets live in `posthorn bench`, never in a timed test.
        }
        assertThat(outboxRows(scope)).isZero();
    }

    private static void publishInTransactionsOf100(Outbox outbox, Connection connection, int events) throws Exception {
        for (int i = 0; i < events; i++) {
            outbox.publish(connection, "invoice.created", "inv-" + i, "{\"n\":" + i + "}");
            if (i % 100 == 99) {
                connection.commit();
            }
        }
        connection.commit();
    }

    /** The pgoutput messages (B, R, I, D, C, ...) in the test's slot, left there for the next read. */
    private static List<byte[]> peekPgoutput(Statement statement, TestScope scope, boolean withMessages) {
        List<byte[]> messages = new ArrayList<>();
        try (ResultSet rs = statement.executeQuery("SELECT data FROM pg_logical_slot_peek_binary_changes('"
                + scope.slotName() + "', NULL, NULL, 'proto_version', '1', 'publication_names', '"
                + scope.publicationName() + "', 'messages', '" + withMessages + "')")) {
            while (rs.next()) {
                messages.add(rs.getBytes(1));
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return messages;
    }

    private static JsonNode payloadOf(TestScope scope, UUID id) throws Exception {
        return JSON.readTree(payloadTextOf(scope, id));
    }

    private static String payloadTextOf(TestScope scope, UUID id) throws Exception {
        try (Connection connection = scope.connect();
                PreparedStatement query = connection.prepareStatement("SELECT payload::text FROM posthorn_outbox WHERE id = ?")) {
            query.setObject(1, id);
            try (ResultSet rs = query.executeQuery()) {
                assertThat(rs.next()).as("row " + id).isTrue();
                return rs.getString(1);
            }
        }
    }
}
