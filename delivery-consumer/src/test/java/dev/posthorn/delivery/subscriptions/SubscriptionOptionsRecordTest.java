package dev.posthorn.delivery.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.signature.SecretCipher;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Filter, headers and rate limit as the subscriptions topic carries them; checked again on arrival. */
class SubscriptionOptionsRecordTest {

    private final SecretCipher cipher = SecretCipher.fromBase64Key(SecretCipher.generateKey());
    private final SubscriptionRegistry registry = new SubscriptionRegistry("unused", Map.of(), cipher::open);
    private final String id = UUID.randomUUID().toString();

    private Subscription parse(String options) throws Exception {
        return registry.parse(("{\"id\":\"" + id + "\",\"topic\":\"invoice.*\",\"url\":\"https://example.com/h\","
                + "\"secret\":\"" + cipher.seal(id, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") + "\",\"enabled\":true,"
                + "\"updated_at\":\"2026-12-01T00:00:00Z\"" + options + "}").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsTheOptions() throws Exception {
        Subscription s = parse(",\"filter\":{\"payload.total\":{\"$gte\":10.50}},\"headers\":\"" + sealedHeaders("{\"X-Tenant\":\"t1\"}")
                + "\",\"rate_limit\":50");

        assertThat(s.problem()).isNull();
        assertThat(s.filter().json()).isEqualTo("{\"payload.total\":{\"$gte\":10.5}}");
        assertThat(s.accepts(envelope("{\"total\":10.5}"))).isTrue();
        assertThat(s.accepts(envelope("{\"total\":10.49}"))).isFalse();
        assertThat(s.headers()).containsExactly(Map.entry("X-Tenant", "t1"));
        assertThat(s.rateLimit()).isEqualTo(50);
        assertThat(s.slotKey()).isEqualTo("https://example.com:443 rate-limited " + id);
        assertThat(s.toString()).contains("rateLimit=50/s").contains("headers=[X-Tenant]");
    }

    @Test
    void withoutOptionsEveryEventIsAcceptedAndSlotsAreTheEndpoints() throws Exception {
        Subscription s = parse("");

        assertThat(s.problem()).isNull();
        assertThat(s.filter()).isNull();
        assertThat(s.accepts(envelope("{}"))).isTrue();
        assertThat(s.headers()).isEmpty();
        assertThat(s.rateLimit()).isZero();
        assertThat(s.slotKey()).isEqualTo(s.endpoint());
    }

    @Test
    void optionsThatDoNotValidateMakeTheSubscriptionUnusableNamingTheField() throws Exception {
        assertThat(parse(",\"filter\":{\"payload.a\":{\"$where\":1}}").problem())
                .isEqualTo("filter: unknown operator $where at path 'payload.a'; known: $eq, $ne, $gt, $gte, $lt, $lte,"
                        + " $in, $nin, $exists");
        assertThat(parse(",\"filter\":\"{broken\"").problem()).isEqualTo("filter is not a JSON object");
        assertThat(parse(",\"headers\":\"" + sealedHeaders("{\"X-Signature\":\"forged\"}") + "\"").problem())
                .isEqualTo("headers: header 'X-Signature' is set by Posthorn or HTTP and cannot be overridden");
        assertThat(parse(",\"headers\":\"" + sealedHeaders("{\"X-Tenant\":1}") + "\"").problem())
                .isEqualTo("headers: header 'X-Tenant' needs a string value");
        assertThat(parse(",\"headers\":{\"X-Tenant\":\"t1\"}").problem()).as("plaintext is refused").isEqualTo("headers are not sealed");
        assertThat(parse(",\"headers\":\"" + cipher.seal(id, "{\"X-Tenant\":\"t1\"}") + "\"").problem())
                .as("sealed for the secret, not the headers").startsWith("headers: cannot decrypt");
        assertThat(parse(",\"rate_limit\":0").problem()).startsWith("rate_limit is not a positive whole number");
        assertThat(parse(",\"rate_limit\":2.5").problem()).startsWith("rate_limit is not a positive whole number");
    }

    @Test
    void signingKeysOpenForTheirSubscriptionAndSignOnlyWhenAsked() throws Exception {
        String key = dev.posthorn.signature.Ed25519Keys.generate().signingKey();
        Subscription ed = parse(",\"signing\":\"ed25519\",\"signing_key\":\"" + cipher.seal(id + "#signing-key", key) + "\"");
        assertThat(ed.problem()).isNull();
        assertThat(ed.signsHmac()).isFalse();
        assertThat(ed.signingKeys(java.time.Instant.now())).containsExactly(key);
        assertThat(ed.toString()).doesNotContain(key).contains("signing=ed25519");

        assertThat(parse("").signingKeys(java.time.Instant.now())).isEmpty();
        assertThat(parse("").signsHmac()).isTrue();
        assertThat(parse(",\"signing\":\"ed25519\",\"signing_key\":\"" + cipher.seal(id, key) + "\"").problem())
                .as("sealed for the secret's binding").startsWith("signing_key: cannot decrypt");
        assertThat(parse(",\"signing\":\"ed25519\"").problem()).isEqualTo("signing_key is missing");
        assertThat(parse(",\"signing\":\"rsa\"").problem()).isEqualTo("signing is not hmac, ed25519 or both");
    }

    private String sealedHeaders(String json) {
        return cipher.seal(id + "#headers", json);
    }

    private static byte[] envelope(String payload) {
        return ("{\"created_at\":\"2026-12-01T00:00:00Z\",\"payload\":" + payload + ",\"topic\":\"invoice.paid\",\"version\":1}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
