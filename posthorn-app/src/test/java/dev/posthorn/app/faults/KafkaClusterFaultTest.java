package dev.posthorn.app.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.DeliveryService;
import dev.posthorn.relay.RelayListener;
import dev.posthorn.relay.RelayService;
import dev.posthorn.relay.RelayState;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaProcessCluster;
import dev.posthorn.testkit.PostgresServer;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A three-node KRaft cluster (each node its own JVM); Posthorn creates its topics with replication factor 3
 * and {@code min.insync.replicas=2}. Mid-stream the node leading the first events partition is killed with
 * SIGKILL and stays dead: relay and delivery carry on without a restart, and nothing committed is lost.
 */
@PosthornIntegrationTest
class KafkaClusterFaultTest {

    @Test
    @Timeout(value = 270, unit = TimeUnit.SECONDS)
    void oneOfThreeBrokersKilledMidStreamLosesNothingAndDeliveryGoesOn(PostgresServer postgres, TestScope scope)
            throws Exception {
        try (KafkaProcessCluster kafka = KafkaProcessCluster.start(3, Duration.ofSeconds(90));
                SignedReceiver receiver = new SignedReceiver()) {
            FaultPipeline pipeline = new FaultPipeline(scope, postgres, kafka.bootstrapServers(), 3).install();
            pipeline.subscribe(receiver);
            // Every state the relay passes through, to show whether losing a broker made it restart its stream.
            List<String> relayStates = new java.util.concurrent.CopyOnWriteArrayList<>();
            RelayListener recordStates = new RelayListener() {
                @Override
                public void stateChanged(RelayState previous, RelayState current) {
                    relayStates.add(current.name());
                }
            };
            try (RelayService relay = new RelayService(pipeline.relay().replicationFactor(3).minInsyncReplicas(2)
                            .listener(recordStates).build());
                    DeliveryService delivery = new DeliveryService(pipeline.delivery().replicationFactor((short) 3).build());
                    Admin admin = kafka.admin()) {
                relay.start();
                delivery.start();
                assertThat(relay.awaitStreaming(Duration.ofSeconds(90))).as("relay streaming").isTrue();
                assertThat(delivery.awaitRunning(Duration.ofSeconds(90))).as("delivery running").isTrue();
                String events = scope.topicPrefix() + ".events";
                for (String topic : List.of(events, scope.topicPrefix() + ".inbox", scope.topicPrefix() + ".retry.1")) {
                    assertThat(replication(admin, topic)).as(topic + ": replication factor, min.insync.replicas")
                            .isEqualTo(List.of(3, 2));
                }
                int victim = admin.describeTopics(List.of(events)).allTopicNames().get(30, TimeUnit.SECONDS)
                        .get(events).partitions().get(0).leader().id();

                int relayStatesAtKill = -1;
                Publisher publisher = pipeline.publisher(300);
                try {
                    Await.until(Duration.ofSeconds(60), "events flowing before the kill", () -> receiver.distinct() >= 400);
                    long pid = kafka.pid(victim);
                    kafka.kill(victim);
                    int committedAtKill = publisher.committed().size();
                    int deliveredAtKill = receiver.distinct();
                    relayStatesAtKill = relayStates.size();
                    System.out.printf("FAULT_STEP kafka_cluster: SIGKILLed node %d (pid %d, leader of %s-0) with %d"
                            + " committed, %d delivered%n", victim, pid, events, committedAtKill, deliveredAtKill);
                    // Up to 150 s: when the dead node led the relay's offsets partition, Debezium's offset reader
                    // (its commit path) waits out the consumer's 60 s API timeout before the stream goes on. That
                    // stall is a known relay weakness (see the closing note); this test checks loss and going on.
                    Await.until(Duration.ofSeconds(150), "900 more commits and 600 more deliveries with a node dead", () ->
                            publisher.committed().size() >= committedAtKill + 900
                                    && receiver.distinct() >= deliveredAtKill + 600);
                } finally {
                    publisher.close();
                }
                FaultPipeline.awaitAndReport("kafka_cluster_one_of_three_sigkill", publisher, receiver,
                        Duration.ofSeconds(90), () -> {
                            assertThat(kafka.isAlive(victim)).isFalse();
                            if (relay.state() == RelayState.FAILED || relay.state() == RelayState.STOPPED) {
                                throw new IllegalStateException("the relay gave up: " + relay.state() + " " + relay.failure());
                            }
                        });
                assertThat(relay.state()).isEqualTo(RelayState.STREAMING);
                assertThat(delivery.state()).isEqualTo(DeliveryService.State.RUNNING);
                TopicDescription after = admin.describeTopics(List.of(events)).allTopicNames().get(30, TimeUnit.SECONDS)
                        .get(events);
                System.out.printf("FAULT_STEP kafka_cluster: after the kill %s-0 is led by node %d, ISR %s; relay state changes"
                        + " since the kill: %s%n", events, after.partitions().get(0).leader().id(),
                        after.partitions().get(0).isr().stream().map(n -> n.id()).toList(),
                        relayStates.subList(relayStatesAtKill, relayStates.size()));
            }
        }
    }

    /** [replication factor, min.insync.replicas] of {@code topic}. */
    private static List<Integer> replication(Admin admin, String topic) throws Exception {
        TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                .get(topic);
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS);
        return List.of(description.partitions().get(0).replicas().size(),
                Integer.parseInt(configs.get(resource).get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).value()));
    }
}
