package dev.posthorn.delivery.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.signature.SecretCipher;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Secrets on the subscriptions topic open only for the subscription they were sealed for. */
class SubscriptionSecretsTest {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private final SecretCipher cipher = SecretCipher.fromBase64Key(SecretCipher.generateKey());
    private final SubscriptionRegistry registry = new SubscriptionRegistry("unused", Map.of(), cipher::open);

    @Test
    void secretsSealedForTheSubscriptionOpen() throws Exception {
        String id = UUID.randomUUID().toString();
        Subscription s = registry.parse(record(id, cipher.seal(id, SECRET), cipher.seal(id, "whsec_b2xkLXNlY3JldA==")));

        assertThat(s.problem()).isNull();
        assertThat(s.secret()).isEqualTo(SECRET);
        assertThat(s.previousSecret()).isEqualTo("whsec_b2xkLXNlY3JldA==");
    }

    @Test
    void aSecretCopiedFromAnotherSubscriptionMakesItUnusableWithAClearReason() throws Exception {
        String victim = UUID.randomUUID().toString();
        String copy = UUID.randomUUID().toString();
        String sealed = cipher.seal(victim, SECRET);

        Subscription s = registry.parse(record(copy, sealed, sealed));

        assertThat(s.secret()).isNull();
        assertThat(s.previousSecret()).isNull();
        assertThat(s.problem())
                .contains("secret: cannot decrypt subscription secret: it was sealed for another subscription")
                .contains("previous_secret: cannot decrypt")
                .doesNotContain(SECRET).doesNotContain(sealed);
        assertThat(s.toString()).doesNotContain(SECRET).doesNotContain(sealed);
    }

    private static byte[] record(String id, String secret, String previous) {
        return ("{\"id\":\"" + id + "\",\"topic\":\"invoice.*\",\"url\":\"https://example.com/h\",\"secret\":\"" + secret
                + "\",\"previous_secret\":\"" + previous + "\",\"previous_secret_expires_at\":\"2099-01-01T00:00:00Z\","
                + "\"enabled\":true,\"disabled_reason\":null,\"strict_order\":false,\"updated_at\":\"2026-12-01T00:00:00Z\"}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
