package dev.posthorn.app.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.app.Main;
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
 * The whole chain as separate processes: the application (this JVM) publishes, an active and a standby
 * relay ({@code posthorn relay}, each its own JVM) read the slot into a Kafka broker (its own JVM), two
 * delivery instances (own JVMs, one consumer group) deliver to a receiver that verifies signatures. Mid-stream the active relay and one
 * delivery instance are killed with SIGKILL at once; the standby relay and the other instance take over.
 */
@PosthornIntegrationTest
class WholeChainCrashTest {

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void activeRelayAndOneDeliveryInstanceKilledMidStreamLoseNothing(PostgresServer postgres, TestScope scope)
            throws Exception {
        try (KafkaProcessCluster kafka = KafkaProcessCluster.start(1, Duration.ofSeconds(60));
                SignedReceiver receiver = new SignedReceiver()) {
            FaultPipeline pipeline = new FaultPipeline(scope, postgres, kafka.bootstrapServers(), 4).install();
            pipeline.subscribe(receiver);
            String[] deliveryArgs = {pipeline.bootstrap, scope.topicPrefix(), scope.unique("delivery"),
                    Integer.toString(pipeline.partitions)};
            try (ChildJvm active = ChildJvm.start(scope.id() + "-relay-active", Main.class, pipeline.environment(), "relay")) {
                Await.until(Duration.ofSeconds(90), "the first relay streaming", () -> {
                    active.requireAlive();
                    return active.output().contains("-> STREAMING");
                });
                try (ChildJvm standby = ChildJvm.start(scope.id() + "-relay-standby", Main.class, pipeline.environment(), "relay");
                        ChildJvm victim = ChildJvm.start(scope.id() + "-delivery-1", DeliveryNodeMain.class,
                                pipeline.environment(), deliveryArgs);
                        ChildJvm survivor = ChildJvm.start(scope.id() + "-delivery-2", DeliveryNodeMain.class,
                                pipeline.environment(), deliveryArgs)) {
                    // Both instances own partitions (the second joined the group and got its share) before the load.
                    Await.until(Duration.ofSeconds(90), "standby relay waiting, both delivery instances assigned", () -> {
                        for (ChildJvm jvm : new ChildJvm[] {active, standby, victim, survivor}) {
                            jvm.requireAlive();
                        }
                        return standby.output().contains("-> STANDBY") && victim.output().contains("Assigned [")
                                && survivor.output().contains("Assigned [");
                    });
                    Publisher publisher = pipeline.publisher(300);
                    try {
                        Await.until(Duration.ofSeconds(60), "events flowing before the kill", () -> receiver.distinct() >= 600);
                        active.kill();
                        victim.kill();
                        long killedAt = System.nanoTime();
                        int committedAtKill = publisher.committed().size();
                        System.out.printf("FAULT_STEP whole_chain: SIGKILLed relay %s and delivery %s with %d committed,"
                                + " %d delivered%n", active, victim, committedAtKill, receiver.distinct());
                        Await.until(Duration.ofSeconds(60), "the standby relay streaming", () -> {
                            standby.requireAlive();
                            return standby.output().contains("-> STREAMING");
                        });
                        System.out.printf("FAULT_STEP whole_chain: standby relay streaming %d ms after the kill%n",
                                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
                        Await.until(Duration.ofSeconds(60), "600 more commits after the kill",
                                () -> publisher.committed().size() >= committedAtKill + 600);
                    } finally {
                        publisher.close();
                    }
                    FaultPipeline.awaitAndReport("whole_chain_relay_and_delivery_sigkill", publisher, receiver,
                            Duration.ofSeconds(90), () -> {
                                standby.requireAlive();
                                survivor.requireAlive();
                            });
                }
            }
        }
    }
}
