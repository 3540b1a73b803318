package dev.posthorn.app.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.DeliveryService;
import dev.posthorn.relay.RelayService;
import dev.posthorn.relay.RelayState;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.EmbeddedPostgresServer;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The database crashes: its postmaster is killed with SIGKILL mid-stream (its own cluster, {@code fsync=on})
 * while the application keeps publishing, and started again on the same data directory (crash recovery).
 * The relay must come back by itself, and every transaction whose commit returned must be delivered.
 */
@PosthornIntegrationTest
class PostgresCrashTest {

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void postmasterKilledMidStreamLosesNoCommittedEvent(KafkaBroker kafka, TestScope scope) throws Exception {
        Path dataDir = Files.createTempDirectory("posthorn-pg-crash-");
        EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(dataDir, 0, true, true);
        try (SignedReceiver receiver = new SignedReceiver()) {
            assertThat(setting(pg.connect(), "fsync")).isEqualTo("on");
            int port = pg.port();
            FaultPipeline pipeline = new FaultPipeline(scope, pg, kafka.bootstrapServers(), 3).install();
            pipeline.subscribe(receiver);
            try (RelayService relay = new RelayService(pipeline.relay().build());
                    DeliveryService delivery = new DeliveryService(pipeline.delivery().build())) {
                relay.start();
                delivery.start();
                assertThat(relay.awaitStreaming(Duration.ofSeconds(60))).as("relay streaming").isTrue();
                assertThat(delivery.awaitRunning(Duration.ofSeconds(60))).as("delivery running").isTrue();
                Publisher publisher = pipeline.publisher(400);
                try {
                    Await.until(Duration.ofSeconds(60), "events flowing before the crash", () -> receiver.distinct() >= 400);
                    long pid = pg.postmasterPid();
                    pg.crash(Duration.ofSeconds(30));
                    int committedAtCrash = publisher.committed().size();
                    System.out.printf("FAULT_STEP postgres: SIGKILLed postmaster %d with %d committed, %d delivered%n",
                            pid, committedAtCrash, receiver.distinct());
                    long failuresAtCrash = publisher.failures();
                    // Crash recovery; a start can fail while the kernel still releases the old server's resources.
                    pg = Await.value(Duration.ofSeconds(60), "Postgres started again on " + dataDir,
                            () -> Optional.of(EmbeddedPostgresServer.start(dataDir, port, true, true)));
                    System.out.printf("FAULT_STEP postgres: restarted after crash recovery; the publisher saw %d errors%n",
                            publisher.failures() - failuresAtCrash);
                    assertThat(publisher.failures()).as("the application noticed the crash").isGreaterThan(failuresAtCrash);
                    Await.until(Duration.ofSeconds(60), "400 more commits after the restart",
                            () -> publisher.committed().size() >= committedAtCrash + 400);
                } finally {
                    publisher.close();
                }
                FaultPipeline.awaitAndReport("postgres_sigkill", publisher, receiver, Duration.ofSeconds(90), () -> {
                    if (relay.state() == RelayState.FAILED || relay.state() == RelayState.STOPPED) {
                        throw new IllegalStateException("the relay gave up: " + relay.state() + " " + relay.failure());
                    }
                });
                assertThat(relay.awaitStreaming(Duration.ofSeconds(30))).as("relay streaming again").isTrue();
            }
        } finally {
            pg.close();
            Files.walk(dataDir).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static String setting(Connection connection, String name) throws Exception {
        try (connection; Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SHOW " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
