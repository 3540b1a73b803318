package dev.posthorn.app.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.DeliveryService;
import dev.posthorn.relay.RelayService;
import dev.posthorn.relay.RelayState;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaProcessCluster;
import dev.posthorn.testkit.PostgresServer;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The broker crashes: a single-node KRaft broker in its own JVM is killed with SIGKILL mid-stream (no
 * controlled shutdown, no flush) while the application keeps publishing, and started again on the same
 * port and log directory. Relay and delivery must come back by themselves and lose nothing committed.
 */
@PosthornIntegrationTest
class KafkaCrashTest {

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void brokerKilledMidStreamLosesNoCommittedEvent(PostgresServer postgres, TestScope scope) throws Exception {
        try (KafkaProcessCluster kafka = KafkaProcessCluster.start(1, Duration.ofSeconds(60));
                SignedReceiver receiver = new SignedReceiver()) {
            FaultPipeline pipeline = new FaultPipeline(scope, postgres, kafka.bootstrapServers(), 3).install();
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
                    long pid = kafka.pid(1);
                    kafka.kill(1);
                    int committedAtCrash = publisher.committed().size();
                    int deliveredAtCrash = receiver.distinct();
                    System.out.printf("FAULT_STEP kafka: SIGKILLed broker pid %d with %d committed, %d delivered%n",
                            pid, committedAtCrash, deliveredAtCrash);
                    // The application does not notice: it keeps committing while the broker is away.
                    Await.until(Duration.ofSeconds(30), "1,000 commits while the broker is down",
                            () -> publisher.committed().size() >= committedAtCrash + 1000);
                    long downSince = System.nanoTime();
                    kafka.restart(1, Duration.ofSeconds(60));
                    System.out.printf("FAULT_STEP kafka: broker restarted on the same log directory after %d ms;"
                            + " %d delivered meanwhile%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - downSince),
                            receiver.distinct() - deliveredAtCrash);
                    int committedAtRestart = publisher.committed().size();
                    Await.until(Duration.ofSeconds(60), "400 more commits after the restart",
                            () -> publisher.committed().size() >= committedAtRestart + 400);
                } finally {
                    publisher.close();
                }
                FaultPipeline.awaitAndReport("kafka_sigkill", publisher, receiver, Duration.ofSeconds(90), () -> {
                    if (relay.state() == RelayState.FAILED || relay.state() == RelayState.STOPPED) {
                        throw new IllegalStateException("the relay gave up: " + relay.state() + " " + relay.failure());
                    }
                    if (delivery.state() == DeliveryService.State.FAILED) {
                        throw new IllegalStateException("delivery gave up: " + delivery.problem());
                    }
                });
                assertThat(relay.state()).isEqualTo(RelayState.STREAMING);
                assertThat(delivery.state()).isEqualTo(DeliveryService.State.RUNNING);
            }
        }
    }
}
