package dev.posthorn.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.relay.RelayFixture.Row;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PostgresServer;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The relay in its own JVM, killed with SIGKILL. */
@PosthornIntegrationTest
class RelayProcessTest {

    private static long recordsOn(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
    }

    /** Commits rows; {@code keepRows} = outbox-writer's KEEP retention (one WAL change per event instead of two). */
    private static Set<UUID> commit(RelayFixture fx, String tag, int txns, int perTxn, Set<UUID> committed,
            boolean keepRows) throws Exception {
        try (Connection c = fx.postgres.connect(fx.scope.schema())) {
            for (int t = 0; t < txns; t++) {
                List<Row> rows = new ArrayList<>(perTxn);
                for (int i = 0; i < perTxn; i++) {
                    rows.add(Row.of(tag + "-" + (i % 50), "order.placed", "{\"t\": " + t + ", \"i\": " + i + "}"));
                }
                RelayFixture.insert(c, rows, true, !keepRows);
                rows.forEach(r -> committed.add(r.id()));
            }
        }
        return committed;
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void sigkillMidStreamAndRestartLosesNoCommittedEvent(PostgresServer postgres, KafkaBroker kafka, TestScope scope)
            throws Exception {
        RelayFixture fx = new RelayFixture(postgres, kafka, scope).install();
        String events = scope.topicPrefix() + ".events";
        Set<UUID> committed = ConcurrentHashMap.newKeySet();
        try (RelayProcess first = new RelayProcess(postgres, kafka.bootstrapServers(), scope, "first")) {
            Await.until(Duration.ofSeconds(90), "first relay JVM streaming", () -> {
                try {
                    return first.output().contains("RELAY_STATE STREAMING") && fx.slotActive();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            CompletableFuture<Set<UUID>> writer = CompletableFuture.supplyAsync(() -> {
                try {
                    return commit(fx, "k", 500, 100, committed, true);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long onTopicAtKill;
            try (KafkaConsumer<byte[], byte[]> probe = fx.consumer()) {
                Await.until(Duration.ofSeconds(90), "15,000 events relayed before the kill",
                        () -> recordsOn(probe, events) >= 15_000);
                first.kill();
                onTopicAtKill = recordsOn(probe, events);
            }
            System.out.printf("RELAY_SIGKILL killed pid %d with %d events on the topic and %d committed%n",
                    first.pid(), onTopicAtKill, committed.size());
            assertThat(onTopicAtKill).as("killed mid-stream").isLessThan(50_000);

            try (RelayProcess second = new RelayProcess(postgres, kafka.bootstrapServers(), scope, "restarted")) {
                writer.get(120, TimeUnit.SECONDS);
                assertThat(committed).hasSize(50_000);
                Set<String> wanted = new HashSet<>();
                committed.forEach(id -> wanted.add(id.toString()));
                Map<String, Integer> counts = fx.readIds(events, wanted, Duration.ofSeconds(120));
                assertThat(counts.keySet()).containsAll(wanted).hasSize(wanted.size());
                long records = counts.values().stream().mapToLong(Integer::longValue).sum();
                long duplicated = counts.values().stream().filter(n -> n > 1).count();
                System.out.printf("RELAY_SIGKILL committed=%d on_topic=%d distinct=%d duplicates=%d"
                        + " (events seen twice or more: %d) lost=0%n",
                        wanted.size(), records, counts.size(), records - counts.size(), duplicated);
                assertThat(second.isAlive()).isTrue();
            }
        }
    }

    @Test
    void standbyTakesOverWithinThirtySecondsAndNeverStreamsAlongside(PostgresServer postgres, KafkaBroker kafka,
            TestScope scope) throws Exception {
        RelayFixture fx = new RelayFixture(postgres, kafka, scope).install();
        RelayConfig config = fx.config().build();
        Set<UUID> committed = ConcurrentHashMap.newKeySet();
        try (RelayProcess active = new RelayProcess(postgres, kafka.bootstrapServers(), scope, "active")) {
            Await.until(Duration.ofSeconds(90), "active relay JVM streaming", () -> {
                try {
                    return active.output().contains("RELAY_STATE STREAMING") && fx.slotActive();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (RelayService standby = new RelayService(config)) {
                standby.start();
                assertThat(standby.awaitState(RelayState.STANDBY, Duration.ofSeconds(60))).isTrue();
                commit(fx, "before", 10, 100, committed, false);
                fx.readCount(config.eventsTopic(), 1000, Duration.ofSeconds(60));
                assertThat(standby.state()).as("standby while the other relay streams").isEqualTo(RelayState.STANDBY);
                assertThat(standby.stats().eventsRelayed()).isZero();

                active.kill();
                long killedAt = System.nanoTime();
                assertThat(standby.awaitStreaming(Duration.ofSeconds(30))).as("took over within 30 s").isTrue();
                long takeoverMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
                System.out.println("RELAY_TAKEOVER_MS " + takeoverMillis);
                assertThat(takeoverMillis).isLessThan(30_000);

                commit(fx, "after", 10, 100, committed, false);
                Set<String> wanted = new HashSet<>();
                committed.forEach(id -> wanted.add(id.toString()));
                assertThat(fx.readIds(config.eventsTopic(), wanted, Duration.ofSeconds(60)).keySet()).containsAll(wanted);
                assertThat(standby.stats().eventsRelayed()).isGreaterThanOrEqualTo(1000);
            }
        }
    }
}
