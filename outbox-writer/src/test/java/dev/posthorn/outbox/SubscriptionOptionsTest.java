package dev.posthorn.outbox;

import static dev.posthorn.outbox.Fixtures.dataSource;
import static dev.posthorn.outbox.Fixtures.installed;
import static dev.posthorn.outbox.Fixtures.outboxIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.posthorn.signature.SecretCipher;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Filter, custom headers and rate limit: validated before writing, stored, listed, changed by update. */
@PosthornIntegrationTest
class SubscriptionOptionsTest {

    private final MutableClock clock = MutableClock.at("2026-05-01T12:00:00Z");
    private final SecretCipher cipher = SecretCipher.fromBase64Key(SecretCipher.generateKey());
    private Subscriptions subscriptions;

    @BeforeEach
    void setUp(TestScope scope) throws Exception {
        subscriptions = installed(scope, outboxIn(scope).secretCipher(cipher).clock(clock)).subscriptions(dataSource(scope));
    }

    private static SubscriptionOptions options(String filter, Map<String, String> headers, Integer rate) {
        return new SubscriptionOptions(Optional.ofNullable(filter), headers, Optional.ofNullable(rate));
    }

    @Test
    void optionsAreStoredCanonicallyAndListed(TestScope scope) throws Exception {
        SubscriptionChange change = subscriptions.add("invoice.*", "https://example.com/h", Optional.empty(), false,
                options("{ \"payload.status\" : \"paid\" }", Map.of("X-Tenant", "t1"), 50));

        Subscription stored = subscriptions.get(change.id()).orElseThrow();
        assertThat(stored.options().filter()).hasValue("{\"payload.status\":\"paid\"}");
        assertThat(stored.options().headers()).containsExactly(Map.entry("X-Tenant", "t1"));
        assertThat(stored.options().rateLimit()).hasValue(50);
        assertThat(subscriptions.list()).singleElement().isEqualTo(stored);
        assertThat(stored.toString()).as("header values may be credentials").contains("headers=[X-Tenant]")
                .doesNotContain("t1");
        String column;
        try (Connection c = scope.connect(); Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SELECT custom_headers FROM posthorn_subscriptions")) {
            rs.next();
            column = rs.getString(1);
        }
        assertThat(column).as("header values may be credentials: sealed like secrets").startsWith("v2:")
                .doesNotContain("t1");
        assertThat(cipher.open(change.id() + "#headers", column)).isEqualTo("{\"X-Tenant\":\"t1\"}");
    }

    @Test
    void updateChangesOnlyTheGivenOptionsAndKeepsTheSecret() throws Exception {
        SubscriptionChange change = subscriptions.add("invoice.*", "https://example.com/h", Optional.empty(), false,
                options("{\"payload.status\":\"paid\"}", Map.of("X-Tenant", "t1"), 50));
        String secret = change.generatedSecret().orElseThrow();
        clock.advance(Duration.ofMinutes(1));

        Subscription updated = subscriptions.update(change.id(), SubscriptionPatch.builder()
                .headers(Map.of("X-Tenant", "t2", "X-Region", "eu")).rateLimit(Optional.empty()).strictOrder(true).build())
                .orElseThrow();

        assertThat(updated).isEqualTo(subscriptions.get(change.id()).orElseThrow());
        assertThat(updated.options().filter()).as("not in the patch: kept").hasValue("{\"payload.status\":\"paid\"}");
        assertThat(updated.options().headers()).containsOnly(Map.entry("X-Tenant", "t2"), Map.entry("X-Region", "eu"));
        assertThat(updated.options().rateLimit()).isEmpty();
        assertThat(updated.strictOrder()).isTrue();
        assertThat(updated.updatedAt()).isEqualTo(clock.instant());
        assertThat(updated.previousSecretExpiresAt()).as("no rotation").isEmpty();
        assertThat(subscriptions.validSecrets(change.id(), clock.instant())).containsExactly(secret);

        Subscription cleared = subscriptions.update(change.id(),
                SubscriptionPatch.builder().filter(Optional.empty()).build()).orElseThrow();
        assertThat(cleared.options().filter()).isEmpty();
        assertThat(subscriptions.update(UUID.randomUUID(), SubscriptionPatch.builder().build())).isEmpty();
    }

    @Test
    void badOptionsAreRefusedNamingTheFieldAndNothingIsWritten() throws Exception {
        assertThatThrownBy(() -> options("{\"payload.total\":{\"$regex\":\"x\"}}", Map.of(), null))
                .isInstanceOf(InvalidSubscriptionException.class)
                .hasMessageStartingWith("filter: unknown operator $regex at path 'payload.total'");
        assertThatThrownBy(() -> options(null, Map.of("X-Signature", "forged"), null))
                .isInstanceOf(InvalidSubscriptionException.class)
                .hasMessage("headers: header 'X-Signature' is set by Posthorn or HTTP and cannot be overridden");
        assertThatThrownBy(() -> options(null, Map.of(), 0))
                .isInstanceOf(InvalidSubscriptionException.class).hasMessageStartingWith("rate_limit: must be 1 to 10000");
        Map<String, String> twice = new LinkedHashMap<>();
        twice.put("X-Tenant", "a");
        twice.put("x-tenant", "b");
        assertThatThrownBy(() -> options(null, twice, null)).hasMessageStartingWith("headers: header 'x-tenant' is given twice");

        SubscriptionChange change = subscriptions.add("invoice.*", "https://example.com/h", Optional.empty(), false,
                options(null, Map.of("X-Tenant", "t1"), null));
        Subscription before = subscriptions.get(change.id()).orElseThrow();
        clock.advance(Duration.ofMinutes(1));
        assertThatThrownBy(() -> subscriptions.update(change.id(), SubscriptionPatch.builder()
                .rateLimit(Optional.of(5)).headers(Map.of("Host", "evil.example")).build()))
                .isInstanceOf(InvalidSubscriptionException.class).hasMessageStartingWith("headers: header 'Host'");
        assertThat(subscriptions.get(change.id())).as("nothing written on refusal").hasValue(before);
    }

    @Test
    void ed25519SigningKeepsAKeyPairSealedRotatesItAndKeepsItAcrossUpdates(TestScope scope) throws Exception {
        SubscriptionChange plain = subscriptions.add("invoice.*", "https://example.com/h", Optional.empty(), false);
        assertThat(plain.publicKey()).isEmpty();

        SubscriptionChange signed = subscriptions.add("invoice.*", "https://example.com/ed", Optional.empty(), false,
                SubscriptionOptions.NONE.withSigning(Signing.ED25519));
        String publicKey = signed.publicKey().orElseThrow();
        assertThat(publicKey).startsWith("whpk_");
        Subscription stored = subscriptions.get(signed.id()).orElseThrow();
        assertThat(stored.options().signing()).isEqualTo(Signing.ED25519);
        assertThat(stored.publicKey()).hasValue(publicKey);
        String[] keys = signingKeys(scope, signed.id());
        assertThat(keys[0]).as("the signing key is sealed, bound to <id>#signing-key").startsWith("v2:");
        String signingKey = cipher.open(signed.id() + "#signing-key", keys[0]);
        assertThat(signingKey).startsWith("whsk_");
        assertThat(keys[1]).isNull();

        SubscriptionChange rotated = subscriptions.rotate(signed.id()).orElseThrow();
        assertThat(rotated.publicKey()).isPresent().isNotEqualTo(Optional.of(publicKey));
        String[] afterRotation = signingKeys(scope, signed.id());
        assertThat(cipher.open(signed.id() + "#signing-key", afterRotation[1])).as("the old key signs during the grace period")
                .isEqualTo(signingKey);

        Subscription updated = subscriptions.update(signed.id(), SubscriptionPatch.builder().signing(Signing.BOTH).build())
                .orElseThrow();
        assertThat(updated.publicKey()).as("no new pair without a rotation").isEqualTo(rotated.publicKey());
        assertThat(updated.options().signing()).isEqualTo(Signing.BOTH);

        Subscription switched = subscriptions.update(plain.id(), SubscriptionPatch.builder().signing(Signing.ED25519).build())
                .orElseThrow();
        assertThat(switched.publicKey()).as("switching to ed25519 creates the pair").get().asString().startsWith("whpk_");
        assertThat(subscriptions.get(plain.id()).orElseThrow().publicKey()).isEqualTo(switched.publicKey());
        assertThatThrownBy(() -> Signing.parse("rsa")).hasMessage("signing: must be hmac, ed25519 or both, was 'rsa'");
    }

    private static String[] signingKeys(TestScope scope, UUID id) throws Exception {
        try (Connection c = scope.connect(); Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT signing_key, previous_signing_key FROM posthorn_subscriptions"
                     + " WHERE id = '" + id + "'")) {
            rs.next();
            return new String[] {rs.getString(1), rs.getString(2)};
        }
    }

    @Test
    void installAddsTheOptionColumnsToAnOlderTableAndKeepsItsRows(TestScope scope) throws Exception {
        UUID id = subscriptions.add("invoice.*", "https://example.com/h", Optional.empty(), false).id();
        try (Connection c = scope.connect(); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE posthorn_subscriptions DROP COLUMN payload_filter, DROP COLUMN custom_headers,"
                    + " DROP COLUMN rate_limit, DROP COLUMN signing, DROP COLUMN signing_key, DROP COLUMN previous_signing_key,"
                    + " DROP COLUMN signing_public_key"); // as an install of an earlier release left it
        }

        installed(scope, outboxIn(scope).secretCipher(cipher).clock(clock));

        Subscription upgraded = subscriptions.get(id).orElseThrow();
        assertThat(upgraded.options()).isEqualTo(SubscriptionOptions.NONE);
        assertThat(subscriptions.update(id, SubscriptionPatch.builder().rateLimit(Optional.of(7)).build())
                .orElseThrow().options().rateLimit()).hasValue(7);
        assertThat(subscriptions.validSecrets(id, Instant.parse("2026-05-01T12:00:00Z"))).hasSize(1);
    }
}
