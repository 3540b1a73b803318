package dev.posthorn.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RelayConfigTest {

    private static RelayConfig.Builder minimal() {
        return RelayConfig.builder().databaseUrl("jdbc:postgresql://db.internal:6543/app").user("relay")
                .password("s3cret-pw").kafkaBootstrap("kafka:9092");
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        RelayConfig c = minimal().build();
        assertThat(c.host()).isEqualTo("db.internal");
        assertThat(c.port()).isEqualTo(6543);
        assertThat(c.database()).isEqualTo("app");
        assertThat(c.schema()).isEqualTo("public");
        assertThat(c.slotName()).isEqualTo("posthorn");
        assertThat(c.publicationName()).isEqualTo("posthorn");
        assertThat(c.snapshotMode()).isEqualTo("subscriptions");
        assertThat(c.heartbeatInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.heartbeatActionQuery()).contains("pg_logical_emit_message");
        assertThat(c.topicPrefix()).isEqualTo("posthorn");
        assertThat(c.eventsTopic()).isEqualTo("posthorn.events");
        assertThat(c.subscriptionsTopic()).isEqualTo("posthorn.subscriptions");
        assertThat(c.controlTopic()).isEqualTo("posthorn.control");
        assertThat(c.offsetsTopic()).isEqualTo("posthorn.relay-offsets");
        assertThat(c.relayDlqTopic()).isEqualTo("posthorn.relay-dlq");
        assertThat(c.eventsPartitions()).isEqualTo(6);
        assertThat(c.replicationFactor()).isEqualTo((short) 1);
        assertThat(c.minInsyncReplicas()).isEqualTo(1);
        assertThat(c.offsetFile()).isEmpty();
        assertThat(c.lingerMs()).isEqualTo(10);
        assertThat(c.maxBatchSize()).isEqualTo(2048);
        assertThat(c.controlGroupId()).isEqualTo("posthorn.relay-control");
        assertThat(c.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:6543/app");
    }

    @Test
    void minInsyncReplicasFollowsTheReplicationFactor() {
        assertThat(minimal().replicationFactor(3).build().minInsyncReplicas()).isEqualTo(2);
        assertThat(minimal().replicationFactor(3).minInsyncReplicas(3).build().minInsyncReplicas()).isEqualTo(3);
    }

    @Test
    void separateHostAndPortWithoutUrl() {
        RelayConfig c = RelayConfig.builder().host("pg").database("d").user("u").kafkaBootstrap("k:1")
                .offsetFile(Path.of("/var/lib/posthorn/offsets.dat")).build();
        assertThat(c.port()).isEqualTo(5432);
        assertThat(c.jdbcUrl()).isEqualTo("jdbc:postgresql://pg:5432/d");
        assertThat(c.offsetFile()).contains(Path.of("/var/lib/posthorn/offsets.dat"));
    }

    @Test
    void everyProblemIsReportedAtOnceByFieldName() {
        assertThatThrownBy(() -> RelayConfig.builder().slotName("Bad-Slot").topicPrefix("has space").eventsPartitions(0)
                .replicationFactor(0).lingerMs(-1).heartbeatInterval(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host: required")
                .hasMessageContaining("database: required")
                .hasMessageContaining("user: required")
                .hasMessageContaining("kafkaBootstrap: required")
                .hasMessageContaining("slotName:")
                .hasMessageContaining("topicPrefix:")
                .hasMessageContaining("eventsPartitions:")
                .hasMessageContaining("replicationFactor:")
                .hasMessageContaining("lingerMs:")
                .hasMessageContaining("heartbeatInterval:");
    }

    @Test
    void kafkaSettingsTheRelayOwnsCannotBeOverridden() {
        assertThatThrownBy(() -> minimal().kafkaProperty("acks", "1").build())
                .hasMessageContaining("kafkaProperties: 'acks' is set by the relay");
    }

    @Test
    void thePasswordNeverAppearsInToStringNorInErrors() {
        assertThat(minimal().build().toString()).doesNotContain("s3cret-pw").contains("password=****");
        assertThatThrownBy(() -> minimal().databaseUrl("jdbc:postgresql://h/d?password=s3cret-pw").build())
                .hasMessageContaining("databaseUrl: must not carry the password")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret-pw"));
    }

    @Test
    void lockKeyIsStablePerSlot() {
        assertThat(LeaderLock.keyFor("posthorn")).isEqualTo(LeaderLock.keyFor("posthorn"));
        assertThat(LeaderLock.keyFor("posthorn")).isNotEqualTo(LeaderLock.keyFor("posthorn_b"));
    }
}
