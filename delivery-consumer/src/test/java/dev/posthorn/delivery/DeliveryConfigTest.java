package dev.posthorn.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.posthorn.signature.SecretCipher;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeliveryConfigTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        DeliveryConfig c = DeliveryConfig.builder().bootstrapServers("k:9092").secretKey(SecretCipher.generateKey()).build();
        assertThat(c.topicPrefix()).isEqualTo("posthorn");
        assertThat(c.groupId()).isEqualTo("posthorn-delivery");
        assertThat(c.partitions()).isEqualTo(6);
        assertThat(c.replicationFactor()).isEqualTo((short) 1);
        assertThat(c.retrySchedule()).containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(30),
                Duration.ofMinutes(2), Duration.ofMinutes(10), Duration.ofHours(1), Duration.ofHours(6));
        assertThat(c.retryJitter()).isEqualTo(0.2);
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.responseTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.inboxDedupeWindow()).isEqualTo(Duration.ofHours(24));
        assertThat(c.drainTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.allowLoopback()).isFalse();
        assertThat(c.toString()).doesNotContain(c.secretKey()).contains("secretKey=<redacted>");
        assertThat(c.toBuilder().groupId("other").build().groupId()).isEqualTo("other");
    }

    @Test
    void reportsEveryProblemAtOnceByFieldName() {
        DeliveryConfig.InvalidConfigException e = catchThrowableOfType(DeliveryConfig.InvalidConfigException.class,
                () -> DeliveryConfig.builder()
                        .secretKey("not-base64-32-bytes")
                        .topicPrefix("bad prefix!")
                        .retrySchedule(List.of())
                        .retryJitter(1.5)
                        .maxInFlight(0)
                        .allowList(List.of("300.1.1.1/8"))
                        .responseTimeout(Duration.ZERO)
                        .build());
        assertThat(e.problems()).containsOnlyKeys("bootstrapServers", "secretKey", "topicPrefix", "retrySchedule",
                "retryJitter", "maxInFlight", "allowList", "responseTimeout");
        assertThat(e.getMessage()).contains("bootstrapServers: is required").doesNotContain("not-base64-32-bytes");
    }
}
