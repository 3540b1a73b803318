package dev.posthorn.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.relay.RelayFixture.Row;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.EmbeddedKafkaBroker;
import dev.posthorn.testkit.EmbeddedPostgresServer;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PostgresServer;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestProcesses;
import dev.posthorn.testkit.TestScope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Zero loss while the database, the walsender or the broker goes away mid-stream. */
@PosthornIntegrationTest
class RelayResilienceTest {

    /** Commits {@code txns} transactions of {@code perTxn} rows; returns the committed ids. */
    static Set<UUID> commitRows(RelayFixture fx, String tag, int txns, int perTxn) throws Exception {
        Set<UUID> ids = new HashSet<>();
        try (Connection c = fx.postgres.connect(fx.scope.schema())) {
            for (int t = 0; t < txns; t++) {
                List<Row> rows = new ArrayList<>();
                for (int i = 0; i < perTxn; i++) {
                    Row row = Row.of(tag + "-" + (i % 25), "order.placed", "{\"tx\": " + t + ", \"i\": " + i + "}");
                    rows.add(row);
                    ids.add(row.id());
                }
                RelayFixture.insert(c, rows, true, true);
            }
        }
        return ids;
    }

    static void awaitAll(RelayFixture fx, String topic, Set<UUID> expected, Duration timeout) {
        Set<String> wanted = new HashSet<>();
        expected.forEach(id -> wanted.add(id.toString()));
        Map<String, Integer> counts = fx.readIds(topic, wanted, timeout);
        assertThat(counts.keySet()).containsAll(wanted);
        long records = counts.values().stream().mapToLong(Integer::longValue).sum();
        System.out.printf("RELAY_RESILIENCE topic=%s expected=%d records=%d duplicates=%d lost=0%n", topic,
                wanted.size(), records, records - counts.size());
    }

    @Test
    void terminatedWalsenderLosesNothing(PostgresServer postgres, KafkaBroker kafka, TestScope scope) throws Exception {
        RelayFixture fx = new RelayFixture(postgres, kafka, scope).install();
        RelayConfig config = fx.config().build();
        try (RelayService relay = RelayFixture.startStreaming(config)) {
            Set<UUID> all = new HashSet<>(commitRows(fx, "a", 50, 200));
            // Mid-stream: the relay is still draining the 10,000 rows just committed.
            try (Connection c = postgres.connect(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
                            + " WHERE slot_name = '" + scope.slotName() + "' AND active_pid IS NOT NULL")) {
                assertThat(rs.next()).as("an active walsender to terminate").isTrue();
                assertThat(rs.getBoolean(1)).isTrue();
            }
            all.addAll(commitRows(fx, "b", 20, 100));
            awaitAll(fx, config.eventsTopic(), all, Duration.ofSeconds(120));
            Await.until(Duration.ofSeconds(60), "relay streaming again", () -> relay.state() == RelayState.STREAMING);
        }
    }

    @Test
    void postgresRestartMidStreamLosesNothing(KafkaBroker kafka, TestScope scope) throws Exception {
        Path dataDir = Files.createTempDirectory("posthorn-relay-pg-");
        EmbeddedPostgresServer pg = TestProcesses.register(EmbeddedPostgresServer.start(dataDir, 0, true));
        int port = pg.port();
        try {
            try (Connection c = pg.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA " + scope.schema());
            }
            RelayFixture fx = new RelayFixture(pg, kafka, scope).install();
            RelayConfig config = fx.config().build();
            try (RelayService relay = RelayFixture.startStreaming(config)) {
                Set<UUID> all = new HashSet<>(commitRows(fx, "a", 50, 200));
                pg.close();
                pg = TestProcesses.register(EmbeddedPostgresServer.start(dataDir, port, true));
                all.addAll(commitRows(fx, "b", 20, 100));
                awaitAll(fx, config.eventsTopic(), all, Duration.ofSeconds(150));
                Await.until(Duration.ofSeconds(60), "relay streaming again", () -> relay.state() == RelayState.STREAMING);
            }
        } finally {
            pg.close();
            deleteRecursively(dataDir);
        }
    }

    @Test
    void brokerAwayForTwentySecondsLosesNothing(PostgresServer postgres, TestScope scope) throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startTemporary()) {
            RelayFixture fx = new RelayFixture(postgres, broker, scope).install();
            RelayConfig config = fx.config().build();
            try (RelayService relay = RelayFixture.startStreaming(config)) {
                Set<UUID> all = new HashSet<>(commitRows(fx, "a", 50, 200));
                broker.stop();
                long stoppedAt = System.nanoTime();
                all.addAll(commitRows(fx, "b", 20, 100));
                // The relay waits (it neither fails nor marks anything) while the broker is away for 20 s.
                Await.until(Duration.ofSeconds(40), "20 s of broker outage",
                        () -> relay.state() != RelayState.FAILED && relay.state() != RelayState.STOPPED
                                && Duration.ofNanos(System.nanoTime() - stoppedAt).toSeconds() >= 20);
                broker.restart();
                all.addAll(commitRows(fx, "c", 10, 100));
                awaitAll(fx, config.eventsTopic(), all, Duration.ofSeconds(150));
                assertThat(relay.state()).isNotIn(RelayState.FAILED, RelayState.STOPPED);
            }
        }
    }

    private static void deleteRecursively(Path root) throws Exception {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
