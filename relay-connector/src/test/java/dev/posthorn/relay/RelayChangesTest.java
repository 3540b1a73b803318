package dev.posthorn.relay;

import static dev.posthorn.relay.RelayFixture.header;
import static dev.posthorn.relay.RelayFixture.key;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.posthorn.relay.RelayFixture.Row;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PostgresServer;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

@PosthornIntegrationTest
class RelayChangesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void subscriptionChangesAreCompactedRecordsAndControlDisablesThroughTheOutbox(PostgresServer postgres,
            KafkaBroker kafka, TestScope scope) throws Exception {
        RelayFixture fx = new RelayFixture(postgres, kafka, scope).install();
        RelayConfig config = fx.config().build();
        UUID id = UUID.randomUUID();
        try (RelayService relay = RelayFixture.startStreaming(config)) {
            fx.sql("INSERT INTO posthorn_subscriptions (id, topic, url, secret, updated_at) VALUES ('" + id
                    + "', 'invoice.*', 'https://example.test/hook', 'v1:sealed-secret', '2026-11-29T10:00:00.123456Z')");
            fx.sql("UPDATE posthorn_subscriptions SET previous_secret = 'v1:old', previous_secret_expires_at ="
                    + " '2026-11-30T10:00:00Z', strict_order = true WHERE id = '" + id + "'");

            List<ConsumerRecord<byte[], byte[]>> records = fx.readCount(config.subscriptionsTopic(), 2, Duration.ofSeconds(60));
            assertThat(records).allSatisfy(r -> assertThat(key(r)).contains(id.toString()));
            JsonNode inserted = JSON.readTree(records.get(0).value());
            assertThat(fieldNames(inserted)).containsExactly("id", "topic", "url", "secret", "previous_secret",
                    "previous_secret_expires_at", "enabled", "disabled_reason", "strict_order", "updated_at");
            assertThat(inserted.get("id").asText()).isEqualTo(id.toString());
            assertThat(inserted.get("topic").asText()).isEqualTo("invoice.*");
            assertThat(inserted.get("url").asText()).isEqualTo("https://example.test/hook");
            assertThat(inserted.get("secret").asText()).isEqualTo("v1:sealed-secret");
            assertThat(inserted.get("previous_secret").isNull()).isTrue();
            assertThat(inserted.get("enabled").asBoolean()).isTrue();
            assertThat(inserted.get("strict_order").asBoolean()).isFalse();
            assertThat(inserted.get("updated_at").asText()).isEqualTo("2026-11-29T10:00:00.123456Z");
            JsonNode updated = JSON.readTree(records.get(1).value());
            assertThat(updated.get("previous_secret").asText()).isEqualTo("v1:old");
            assertThat(updated.get("previous_secret_expires_at").asText()).isEqualTo("2026-11-30T10:00:00Z");
            assertThat(updated.get("strict_order").asBoolean()).isTrue();

            // A control "disable", sent twice (at least once delivery), is applied once and is harmless again.
            String action = "{\"action\":\"disable\",\"subscription_id\":\"" + id
                    + "\",\"reason\":\"endpoint answered 410 Gone\",\"at\":\"2026-11-29T10:00:00Z\"}";
            try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()),
                    new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>(config.controlTopic(), id.toString(), "not json")).get(30, TimeUnit.SECONDS);
                producer.send(new ProducerRecord<>(config.controlTopic(), id.toString(), action)).get(30, TimeUnit.SECONDS);
                producer.send(new ProducerRecord<>(config.controlTopic(), id.toString(), action)).get(30, TimeUnit.SECONDS);
            }
            Await.until(Duration.ofSeconds(60), "subscription disabled in the table", () -> {
                try (Connection c = fx.postgres.connect(scope.schema()); Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT enabled, disabled_reason FROM posthorn_subscriptions WHERE id = '" + id + "'")) {
                    return rs.next() && !rs.getBoolean(1) && "endpoint answered 410 Gone".equals(rs.getString(2));
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            List<ConsumerRecord<byte[], byte[]>> withDisable = fx.readUntil(config.subscriptionsTopic(),
                    Duration.ofSeconds(60), rs -> rs.stream().anyMatch(RelayChangesTest::disabled));
            assertThat(withDisable.stream().filter(RelayChangesTest::disabled).findFirst().orElseThrow())
                    .satisfies(r -> assertThat(JSON.readTree(r.value()).get("disabled_reason").asText())
                            .isEqualTo("endpoint answered 410 Gone"));

            fx.sql("DELETE FROM posthorn_subscriptions WHERE id = '" + id + "'");
            List<ConsumerRecord<byte[], byte[]>> withTombstone = fx.readUntil(config.subscriptionsTopic(),
                    Duration.ofSeconds(60), rs -> rs.stream().anyMatch(r -> r.value() == null));
            ConsumerRecord<byte[], byte[]> tombstone =
                    withTombstone.stream().filter(r -> r.value() == null).findFirst().orElseThrow();
            assertThat(key(tombstone)).contains(id.toString());
            assertThat(relay.stats().subscriptionChangesRelayed()).isGreaterThanOrEqualTo(4);
        }
    }

    private static boolean disabled(ConsumerRecord<byte[], byte[]> r) {
        try {
            return r.value() != null && !JSON.readTree(r.value()).get("enabled").asBoolean();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /**
     * As an operator deploys it: install with the application's migration, subscribe, go live, start the
     * relay later. One subscription is older than the slot (an install from before the slot was created at
     * install, or a slot re-created after it was dropped): only a snapshot of the subscriptions table can
     * publish it. Fails with Debezium's no_data mode (no snapshot: the old subscription stays unknown) and
     * with a relay that creates its slot on first start (the events before it are lost).
     */
    @Test
    void eventsAndSubscriptionsCommittedBeforeTheFirstStartAreRelayed(PostgresServer postgres,
            KafkaBroker kafka, TestScope scope) throws Exception {
        RelayFixture fx = new RelayFixture(postgres, kafka, scope).install();
        fx.sql("SELECT pg_drop_replication_slot('" + scope.slotName() + "')");
        UUID olderThanTheSlot = UUID.randomUUID();
        fx.sql("INSERT INTO posthorn_subscriptions (id, topic, url, secret) VALUES ('" + olderThanTheSlot
                + "', 'invoice.*', 'https://example.test/old', 'v1:sealed-secret')");
        fx.install();
        UUID newerThanTheSlot = UUID.randomUUID();
        fx.sql("INSERT INTO posthorn_subscriptions (id, topic, url, secret) VALUES ('" + newerThanTheSlot
                + "', 'invoice.*', 'https://example.test/new', 'v1:sealed-secret')");
        List<Row> before = List.of(Row.of("inv-1", "invoice.created", "{\"n\": 1}"),
                Row.of("inv-2", "invoice.created", "{\"n\": 2}"));
        fx.insert(before.subList(0, 1), true, true);
        fx.insert(before.subList(1, 2), true, false); // kept in the table: must not be relayed twice
        RelayConfig config = fx.config().build();

        try (RelayService relay = RelayFixture.startStreaming(config)) {
            Row after = Row.of("inv-3", "invoice.created", "{\"n\": 3}");
            fx.insert(List.of(after), true, true);
            List<String> wanted = java.util.stream.Stream.concat(before.stream(), java.util.stream.Stream.of(after))
                    .map(r -> r.id().toString()).toList();

            Map<String, Integer> counts = fx.readIds(config.eventsTopic(), wanted, Duration.ofSeconds(60));
            assertThat(counts.keySet()).as("events committed before the first start, then after")
                    .containsExactlyInAnyOrderElementsOf(wanted);
            List<String> subscriptionIds = fx.readUntil(config.subscriptionsTopic(), Duration.ofSeconds(60),
                    rs -> rs.stream().map(r -> key(r).orElse("")).collect(java.util.stream.Collectors.toSet())
                            .containsAll(List.of(olderThanTheSlot.toString(), newerThanTheSlot.toString())))
                    .stream().map(r -> key(r).orElse(null)).toList();
            assertThat(subscriptionIds).contains(olderThanTheSlot.toString(), newerThanTheSlot.toString());
            assertThat(fx.readAll(config.eventsTopic())).as("the outbox table is never snapshotted: the kept row"
                    + " is relayed once, from the WAL").hasSize(3);

            // Every event is stamped with how far the subscriptions topic held the changes committed before it.
            Map<Integer, Long> needed = new java.util.TreeMap<>();
            for (ConsumerRecord<byte[], byte[]> sub : fx.readAll(config.subscriptionsTopic())) {
                needed.merge(sub.partition(), sub.offset() + 1, Math::max);
            }
            for (ConsumerRecord<byte[], byte[]> event : fx.readAll(config.eventsTopic())) {
                String stamp = header(event, "posthorn.subscriptions_through");
                assertThat(stamp).as("stamp of %s", header(event, "posthorn.event_id")).isNotNull();
                Map<Integer, Long> through = new java.util.TreeMap<>();
                for (String entry : stamp.split(",")) {
                    String[] parts = entry.split(":");
                    through.put(Integer.parseInt(parts[0]), Long.parseLong(parts[1]));
                }
                needed.forEach((partition, offset) -> assertThat(through.getOrDefault(partition, -1L))
                        .as("stamp %s covers subscriptions partition %d up to %d", stamp, partition, offset)
                        .isGreaterThanOrEqualTo(offset));
            }
        }
    }

    @Test
    void relayRefusesToStartWithoutTheSlotInstallCreates(PostgresServer postgres, KafkaBroker kafka, TestScope scope)
            throws Exception {
        RelayFixture fx = new RelayFixture(postgres, kafka, scope).install();
        fx.sql("SELECT pg_drop_replication_slot('" + scope.slotName() + "')");
        try (RelayService relay = new RelayService(fx.config().build())) {
            relay.start();
            Await.until(Duration.ofSeconds(60), "relay failed", () -> relay.state() == RelayState.FAILED);
            assertThat(relay.failure()).get().asString()
                    .contains("replication slot " + scope.slotName() + " does not exist")
                    .contains("install");
        }
    }

    @Test
    void malformedRowsGoToTheRelayDeadLetterTopicAndTheStreamGoesOn(PostgresServer postgres, KafkaBroker kafka,
            TestScope scope) throws Exception {
        RelayFixture fx = new RelayFixture(postgres, kafka, scope).install();
        // A schema that drifted from the contract: the relay must still not stop on a NULL key.
        fx.sql("ALTER TABLE posthorn_outbox ALTER COLUMN aggregateid DROP NOT NULL");
        RelayConfig config = fx.config().build();
        Row before = Row.of("good-1", "invoice.created", "{\"n\": 1}");
        Row nullKey = Row.of(null, "invoice.created", "{\"n\": 2}");
        Row blankKey = Row.of("  ", "invoice.created", "{\"n\": 3}");
        Row stringPayload = Row.of("bad-3", "invoice.created", "\"just a string\"");
        Row arrayPayload = Row.of("bad-4", "invoice.created", "[1, 2]");
        Row badTopic = new Row(UUID.randomUUID(), "invoice", "bad-5", "Invoice Created!", "{}", 1,
                before.createdAt(), null);
        Row after = Row.of("good-2", "invoice.created", "{\"n\": 6}");
        List<Row> malformed = List.of(nullKey, blankKey, stringPayload, arrayPayload, badTopic);
        try (RelayService relay = RelayFixture.startStreaming(config)) {
            fx.insert(List.of(before), true, true);
            for (Row row : malformed) {
                fx.insert(List.of(row), true, false);
            }
            fx.insert(List.of(after), true, true);

            List<ConsumerRecord<byte[], byte[]>> events = fx.readCount(config.eventsTopic(), 2, Duration.ofSeconds(60));
            assertThat(events).extracting(r -> header(r, "posthorn.event_id"))
                    .containsExactlyInAnyOrder(before.id().toString(), after.id().toString());
            assertThat(events).filteredOn(r -> header(r, "posthorn.event_id").equals(after.id().toString()))
                    .singleElement().satisfies(r -> assertThat(r.value()).isEqualTo(after.expectedValue()));

            List<ConsumerRecord<byte[], byte[]>> dead = fx.readCount(config.relayDlqTopic(), 5, Duration.ofSeconds(60));
            assertThat(dead).extracting(r -> header(r, "posthorn.event_id"))
                    .containsExactlyElementsOf(malformed.stream().map(r -> r.id().toString()).toList());
            Map<String, String> reasons = new java.util.HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : dead) {
                reasons.put(header(r, "posthorn.event_id"), header(r, "posthorn.malformed"));
                JsonNode body = JSON.readTree(r.value());
                assertThat(body.get("reason").asText()).isEqualTo(header(r, "posthorn.malformed"));
                assertThat(body.get("row").get("id").asText()).isEqualTo(header(r, "posthorn.event_id"));
            }
            assertThat(reasons.get(nullKey.id().toString())).isEqualTo("aggregateid is null or blank");
            assertThat(reasons.get(blankKey.id().toString())).isEqualTo("aggregateid is null or blank");
            assertThat(reasons.get(stringPayload.id().toString())).isEqualTo("payload is a JSON string, not an object");
            assertThat(reasons.get(arrayPayload.id().toString())).isEqualTo("payload is a JSON array, not an object");
            assertThat(reasons.get(badTopic.id().toString())).isEqualTo("type is not an event topic: Invoice Created!");
            assertThat(key(dead.get(2))).contains("bad-3");
            assertThat(relay.stats().malformedRows()).isEqualTo(5);
            assertThat(relay.state()).isEqualTo(RelayState.STREAMING);
            assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).contains("\"table\":\"" + scope.schema() + ".posthorn_outbox\"");
        }
    }

    /**
     * A row whose record outgrows the producer's limit (max.request.size, 1 MiB by default) is refused by
     * Kafka for good. Before, the relay restarted from it every ~30 s forever: the events after it were
     * re-sent on every restart and the slot never advanced.
     */
    @Test
    void aRecordKafkaRefusesForGoodIsDeadLetteredAndTheStreamGoesOn(PostgresServer postgres, KafkaBroker kafka,
            TestScope scope) throws Exception {
        RelayFixture fx = new RelayFixture(postgres, kafka, scope).install();
        RelayConfig config = fx.config().build();
        Row normal = Row.of("inv-2", "invoice.created", "{\"n\": 2}");
        UUID big = UUID.randomUUID();
        try (RelayService relay = RelayFixture.startStreaming(config)) {
            fx.sql("INSERT INTO posthorn_outbox (id, aggregatetype, aggregateid, type, payload) VALUES ('" + big
                    + "', 'invoice', 'inv-1', 'invoice.created', ('{\"blob\": \"' || repeat('x', 1200000) || '\"}')::json)");
            fx.insert(List.of(normal), true, true);
            String afterBoth;
            try (Connection c = postgres.connect(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
                rs.next();
                afterBoth = rs.getString(1);
            }

            List<ConsumerRecord<byte[], byte[]>> dead = fx.readCount(config.relayDlqTopic(), 1, Duration.ofSeconds(60));
            assertThat(dead).singleElement().satisfies(r -> {
                assertThat(header(r, "posthorn.event_id")).isEqualTo(big.toString());
                assertThat(key(r)).contains(big.toString());
                assertThat(header(r, "posthorn.malformed")).startsWith("Kafka refused the record for good: RecordTooLargeException");
                JsonNode body = JSON.readTree(r.value());
                assertThat(body.get("row").get("id").asText()).isEqualTo(big.toString());
                assertThat(body.get("topic").asText()).isEqualTo(config.eventsTopic());
                assertThat(body.get("value_bytes").asLong()).isGreaterThan(1_200_000);
            });
            Await.until(Duration.ofSeconds(60), "confirmed_flush_lsn of the slot past both rows (" + afterBoth + ")", () -> {
                try (Connection c = postgres.connect(); Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT pg_wal_lsn_diff(confirmed_flush_lsn, '" + afterBoth
                                + "') FROM pg_replication_slots WHERE slot_name = '" + scope.slotName() + "'")) {
                    return rs.next() && rs.getLong(1) >= 0;
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            Map<String, Integer> counts = fx.readIds(config.eventsTopic(), List.of(normal.id().toString()), Duration.ofSeconds(30));
            assertThat(fx.readAll(config.eventsTopic())).as("the normal event, once; the big one never")
                    .extracting(r -> header(r, "posthorn.event_id")).containsExactly(normal.id().toString());
            assertThat(counts).containsExactly(Map.entry(normal.id().toString(), 1));
            assertThat(relay.stats().malformedRows()).isEqualTo(1);
            assertThat(relay.state()).isEqualTo(RelayState.STREAMING);
        }
    }

    @Test
    void anInvalidTraceparentIsLeftOutAndTheEventRelayed(PostgresServer postgres, KafkaBroker kafka, TestScope scope)
            throws Exception {
        RelayFixture fx = new RelayFixture(postgres, kafka, scope).install();
        RelayConfig config = fx.config().build();
        Row bad = Row.of("inv-1", "invoice.created", "{\"n\": 1}").withTraceparent("00-not-a-trace\r\nX-Evil: 1");
        Row good = Row.of("inv-2", "invoice.created", "{\"n\": 2}")
                .withTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        try (RelayService relay = RelayFixture.startStreaming(config)) {
            fx.insert(List.of(bad, good), true, true);
            List<ConsumerRecord<byte[], byte[]>> events = fx.readCount(config.eventsTopic(), 2, Duration.ofSeconds(60));
            Map<String, ConsumerRecord<byte[], byte[]>> byId = new java.util.HashMap<>();
            events.forEach(r -> byId.put(header(r, "posthorn.event_id"), r));
            assertThat(header(byId.get(bad.id().toString()), "traceparent")).isNull();
            assertThat(byId.get(bad.id().toString()).value()).isEqualTo(bad.expectedValue());
            assertThat(header(byId.get(good.id().toString()), "traceparent")).isEqualTo(good.traceparent());
            assertThat(relay.stats().malformedRows()).isZero();
        }
        assertThat(fx.readAll(config.relayDlqTopic())).isEmpty();
    }

    @Test
    void heartbeatAdvancesTheSlotWhileTheOutboxIsIdleAndAnotherTableIsBusy(PostgresServer postgres, KafkaBroker kafka,
            TestScope scope) throws Exception {
        RelayFixture fx = new RelayFixture(postgres, kafka, scope).install();
        // With the file offset store: the slot advances only after positions are committed to that store.
        java.nio.file.Path offsets = java.nio.file.Files.createTempDirectory("posthorn-relay-offsets-").resolve("offsets.dat");
        RelayConfig config = fx.config().heartbeatInterval(Duration.ofMillis(500)).offsetFile(offsets).build();
        fx.sql("CREATE TABLE busy (id bigserial PRIMARY KEY, filler text)");
        try (RelayService relay = RelayFixture.startStreaming(config)) {
            String busyUntil = null;
            try (Connection c = postgres.connect(scope.schema()); Statement s = c.createStatement()) {
                for (int i = 0; i < 20; i++) {
                    s.execute("INSERT INTO busy (filler) SELECT repeat('x', 200) FROM generate_series(1, 500)");
                }
                try (ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
                    rs.next();
                    busyUntil = rs.getString(1);
                }
            }
            String target = busyUntil;
            Await.until(Duration.ofSeconds(30), "confirmed_flush_lsn of the slot past " + target, () -> {
                try (Connection c = postgres.connect(); Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT pg_wal_lsn_diff(confirmed_flush_lsn, '" + target
                                + "') FROM pg_replication_slots WHERE slot_name = '" + scope.slotName() + "'")) {
                    return rs.next() && rs.getLong(1) >= 0;
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(relay.stats().eventsRelayed()).isZero();
            assertThat(relay.stats().slotLagBytes()).isGreaterThanOrEqualTo(0);
        }
        assertThat(offsets).isNotEmptyFile();
        try (var admin = kafka.admin()) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain(config.offsetsTopic());
        }
        java.nio.file.Files.delete(offsets);
        java.nio.file.Files.delete(offsets.getParent());
    }
}
