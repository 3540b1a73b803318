package dev.posthorn.relay;

import static dev.posthorn.relay.RelayFixture.header;
import static dev.posthorn.relay.RelayFixture.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.posthorn.relay.RelayFixture.Row;
import dev.posthorn.signature.CanonicalJson;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PostgresServer;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

@PosthornIntegrationTest
class RelayStreamingTest {

    @Test
    void relaysExactlyTheCommittedRowsWithKeyValueHeadersAndPerAggregateOrder(PostgresServer postgres, KafkaBroker kafka,
            TestScope scope) throws Exception {
        RelayFixture fx = new RelayFixture(postgres, kafka, scope).install();
        RelayConfig config = fx.config().build();
        Map<UUID, Row> committed = new HashMap<>();
        Set<UUID> rolledBack = new HashSet<>();
        int seq = 0;
        try (RelayService relay = RelayFixture.startStreaming(config)) {
            for (int tx = 0; tx < 100; tx++) {
                List<Row> rows = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    seq++;
                    String aggregate = "invoice-" + ThreadLocalRandom.current().nextInt(40);
                    Row row = Row.of(aggregate, "invoice.created",
                            "{\"seq\": " + seq + ", \"amount\": 1.50, \"note\": \"h\u00e9llo \u2603 \ud83d\ude00\", \"z\": [true, null]}");
                    if (seq % 10 == 0) {
                        row = row.withTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
                    }
                    if (seq % 7 == 0) {
                        row = row.withVersion(2);
                    }
                    rows.add(row);
                    committed.put(row.id(), row);
                }
                // Half the transactions delete their rows again, as outbox-writer does by default.
                fx.insert(rows, true, tx % 2 == 0);
                if (tx == 50) {
                    List<Row> aborted = new ArrayList<>();
                    for (int i = 0; i < 100; i++) {
                        aborted.add(Row.of("invoice-rollback", "invoice.created", "{\"rolled\": " + i + "}"));
                    }
                    fx.insert(aborted, false, false);
                    aborted.forEach(r -> rolledBack.add(r.id()));
                }
            }
            // An UPDATE of a kept row is not an event.
            fx.sql("UPDATE posthorn_outbox SET payload = '{\"changed\": true}' WHERE id = '"
                    + committed.values().iterator().next().id() + "'");

            List<ConsumerRecord<byte[], byte[]>> records =
                    fx.readCount(config.eventsTopic(), committed.size(), Duration.ofSeconds(120));
            assertThat(records).hasSize(committed.size());

            Map<String, List<ConsumerRecord<byte[], byte[]>>> byKey = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> record : records) {
                UUID id = UUID.fromString(header(record, "posthorn.event_id"));
                assertThat(rolledBack).doesNotContain(id);
                Row row = committed.get(id);
                assertThat(row).as("event %s was committed", id).isNotNull();
                assertThat(key(record)).contains(row.aggregateId());
                assertThat(record.value()).as("value of %s", id).isEqualTo(row.expectedValue());
                assertThat(header(record, "posthorn.topic")).isEqualTo("invoice.created");
                assertThat(header(record, "posthorn.payload_version")).isEqualTo(Integer.toString(row.version()));
                assertThat(header(record, "posthorn.created_at")).isEqualTo(row.createdAt().toString());
                assertThat(header(record, "traceparent")).isEqualTo(row.traceparent());
                byKey.computeIfAbsent(row.aggregateId(), k -> new ArrayList<>()).add(record);
            }
            assertThat(records.stream().map(r -> header(r, "posthorn.event_id")).collect(Collectors.toSet()))
                    .hasSize(committed.size());
            for (var entry : byKey.entrySet()) {
                List<ConsumerRecord<byte[], byte[]>> sameKey = entry.getValue();
                assertThat(sameKey.stream().map(ConsumerRecord::partition).distinct()).hasSize(1);
                sameKey.sort(Comparator.comparingLong(ConsumerRecord::offset));
                List<Long> seqs = sameKey.stream().map(RelayStreamingTest::seqOf).toList();
                assertThat(seqs).as("order of aggregate %s", entry.getKey()).isSorted();
            }
            assertThat(relay.stats().eventsRelayed()).isGreaterThanOrEqualTo(committed.size());

            // close() stops within 10 s with offsets committed: a restarted relay re-sends nothing.
            long t0 = System.nanoTime();
            relay.close(Duration.ofSeconds(10));
            long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.out.println("RELAY_CLOSE_MS " + closeMillis);
            assertThat(closeMillis).isLessThan(10_000);
            assertThat(relay.state()).isEqualTo(RelayState.STOPPED);
            // Debezium and Kafka threads are non-daemon: none of the relay's may survive close().
            try {
                dev.posthorn.testkit.Await.until(Duration.ofSeconds(5), "the relay's threads to end",
                        () -> relayThreads(config).isEmpty());
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; still alive: " + relayThreads(config), e);
            }
        }
        try (RelayService again = RelayFixture.startStreaming(config)) {
            Row sentinel = Row.of("sentinel", "invoice.created", "{\"last\": true}");
            fx.insert(List.of(sentinel), true, true);
            fx.readUntil(config.eventsTopic(), Duration.ofSeconds(60),
                    r -> r.stream().anyMatch(x -> sentinel.id().toString().equals(header(x, "posthorn.event_id"))));
            // Read every partition to its end: the sentinel's partition may be read before the others.
            List<ConsumerRecord<byte[], byte[]>> all = fx.readAll(config.eventsTopic());
            assertThat(all).as("no event re-sent after a clean stop").hasSize(committed.size() + 1);
        }
    }

    /** Live threads that belong to a relay of this config: its own, Debezium's, its producer's and consumer's. */
    static List<String> relayThreads(RelayConfig config) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("posthorn-relay") || n.contains("debezium") || n.contains(config.slotName()))
                .toList();
    }

    /** payload.seq of an events record. */
    static long seqOf(ConsumerRecord<byte[], byte[]> record) {
        Map<?, ?> envelope = (Map<?, ?>) CanonicalJson.parse(RelayFixture.text(record.value()));
        return Long.parseLong(((Map<?, ?>) envelope.get("payload")).get("seq").toString());
    }

    @Test
    void refusesAnExistingTopicWithTheWrongCleanupPolicy(PostgresServer postgres, KafkaBroker kafka, TestScope scope)
            throws Exception {
        RelayFixture fx = new RelayFixture(postgres, kafka, scope).install();
        RelayConfig config = fx.config().build();
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(config.subscriptionsTopic(), 1, (short) 1)
                    .configs(Map.of("cleanup.policy", "delete")))).all().get(30, TimeUnit.SECONDS);
        }
        try (RelayService relay = new RelayService(config)) {
            relay.start();
            assertThatThrownBy(() -> relay.awaitStreaming(Duration.ofSeconds(60)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("topic " + config.subscriptionsTopic())
                    .hasMessageContaining("cleanup.policy=delete")
                    .hasMessageContaining("cleanup.policy=compact");
            assertThat(relay.state()).isEqualTo(RelayState.FAILED);
            assertThat(relay.failure()).get().isInstanceOf(RelayConfigurationException.class);
        }
    }
}
