package dev.posthorn.outbox;

import static dev.posthorn.outbox.Fixtures.dataSource;
import static dev.posthorn.outbox.Fixtures.installed;
import static dev.posthorn.outbox.Fixtures.newCipher;
import static dev.posthorn.outbox.Fixtures.outboxIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.posthorn.signature.SecretCipher;
import dev.posthorn.signature.SecretCipherException;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@PosthornIntegrationTest
class SubscriptionsTest {

    private static final String GIVEN_SECRET = "my-own-secret-0123456789";

    private final MutableClock clock = MutableClock.at("2026-05-01T12:00:00Z");
    private final String cipherKey = SecretCipher.generateKey();
    private final SecretCipher cipher = SecretCipher.fromBase64Key(cipherKey);
    private TestScope scope;
    private Subscriptions subscriptions;

    @BeforeEach
    void setUp(TestScope scope) throws Exception {
        this.scope = scope;
        Outbox outbox = installed(scope, outboxIn(scope).secretCipher(cipher).clock(clock));
        subscriptions = outbox.subscriptions(dataSource(scope));
    }

    @Test
    void addCreatesASubscriptionWithAGeneratedSecretShownOnce() throws Exception {
        SubscriptionChange change = subscriptions.add("invoice.*", "https://example.com/hooks", Optional.empty(), true);

        assertThat(change.kind()).isEqualTo(SubscriptionChange.Kind.CREATED);
        assertThat(change.created()).isTrue();
        String secret = change.generatedSecret().orElseThrow();
        assertThat(secret).startsWith("whsec_");
        assertThat(java.util.Base64.getDecoder().decode(secret.substring("whsec_".length()))).hasSize(32);
        assertThat(change.toString()).doesNotContain(secret).contains("<redacted>");

        Subscription stored = subscriptions.get(change.id()).orElseThrow();
        assertThat(stored).isEqualTo(new Subscription(change.id(), "invoice.*", "https://example.com/hooks", true,
                Optional.empty(), true, Optional.empty(), clock.instant(), clock.instant(), SubscriptionOptions.NONE, Optional.empty()));
        assertThat(subscriptions.validSecrets(change.id(), clock.instant())).containsExactly(secret);
    }

    @Test
    void storedSecretIsSealedNeverPlaintext() throws Exception {
        SubscriptionChange given = subscriptions.add("invoice.created", "https://a.example/h", Optional.of(GIVEN_SECRET), false);
        SubscriptionChange generated = subscriptions.add("invoice.paid", "https://a.example/h", Optional.empty(), false);

        assertThat(given.generatedSecret()).as("the caller knows its own secret").isEmpty();
        for (SubscriptionChange change : new SubscriptionChange[] {given, generated}) {
            String plaintext = subscriptions.validSecrets(change.id(), clock.instant()).get(0);
            String column = storedSecret(change.id());
            assertThat(column).startsWith("v2:").isNotEqualTo(plaintext).doesNotContain(plaintext);
            assertThat(cipher.open(change.id().toString(), column)).isEqualTo(plaintext);
        }
        assertThat(subscriptions.validSecrets(given.id(), clock.instant())).containsExactly(GIVEN_SECRET);
    }

    @Test
    void addingTheSamePairAgainRotatesAndTheOldSecretStaysValidForTheGracePeriod() throws Exception {
        SubscriptionChange first = subscriptions.add("invoice.created", "https://example.com/h", Optional.of(GIVEN_SECRET), false);
        clock.advance(Duration.ofMinutes(5));
        Instant rotatedAt = clock.instant();

        SubscriptionChange second = subscriptions.add("invoice.created", "https://example.com/h", Optional.empty(), true);

        assertThat(second.id()).isEqualTo(first.id());
        assertThat(second.kind()).isEqualTo(SubscriptionChange.Kind.ROTATED);
        String newSecret = second.generatedSecret().orElseThrow();
        assertThat(subscriptions.list()).hasSize(1);
        Subscription stored = subscriptions.get(first.id()).orElseThrow();
        assertThat(stored.strictOrder()).as("strict order follows the latest add").isTrue();
        assertThat(stored.updatedAt()).isEqualTo(rotatedAt);
        assertThat(stored.previousSecretExpiresAt()).hasValue(rotatedAt.plus(Duration.ofHours(24)));

        assertThat(subscriptions.validSecrets(first.id(), clock.instant())).containsExactly(newSecret, GIVEN_SECRET);
        clock.advance(Duration.ofHours(24).minusSeconds(1));
        assertThat(subscriptions.validSecrets(first.id(), clock.instant())).containsExactly(newSecret, GIVEN_SECRET);
        clock.advance(Duration.ofSeconds(1));
        assertThat(subscriptions.validSecrets(first.id(), clock.instant())).as("grace period over").containsExactly(newSecret);
    }

    @Test
    void rotateGeneratesANewSecretWithTheConfiguredGracePeriod(TestScope scope) throws Exception {
        Subscriptions shortGrace = installed(scope, outboxIn(scope).secretCipher(cipher).clock(clock)
                .secretGracePeriod(Duration.ofHours(1))).subscriptions(dataSource(scope));
        SubscriptionChange created = shortGrace.add("*", "http://localhost:8080/in", Optional.empty(), false);
        String oldSecret = created.generatedSecret().orElseThrow();

        SubscriptionChange rotated = shortGrace.rotate(created.id()).orElseThrow();

        String newSecret = rotated.generatedSecret().orElseThrow();
        assertThat(newSecret).isNotEqualTo(oldSecret).startsWith("whsec_");
        assertThat(rotated.kind()).isEqualTo(SubscriptionChange.Kind.ROTATED);
        assertThat(shortGrace.validSecrets(created.id(), clock.instant())).containsExactly(newSecret, oldSecret);
        assertThat(shortGrace.validSecrets(created.id(), clock.instant().plus(Duration.ofHours(1))))
                .containsExactly(newSecret);
        assertThat(shortGrace.rotate(UUID.randomUUID())).isEmpty();
    }

    @Test
    void disableEnableRemoveAndListKeepUpdatedAtCurrent() throws Exception {
        UUID a = subscriptions.add("invoice.created", "https://a.example/h", Optional.empty(), false).id();
        clock.advance(Duration.ofSeconds(1));
        UUID b = subscriptions.add("invoice.*", "https://b.example/h", Optional.empty(), false).id();

        clock.advance(Duration.ofSeconds(1));
        assertThat(subscriptions.disable(a, "endpoint answered 410 Gone")).isTrue();
        Subscription disabled = subscriptions.get(a).orElseThrow();
        assertThat(disabled.enabled()).isFalse();
        assertThat(disabled.disabledReason()).hasValue("endpoint answered 410 Gone");
        assertThat(disabled.updatedAt()).isEqualTo(clock.instant());
        assertThat(disabled.createdAt()).isEqualTo(clock.instant().minusSeconds(2));

        clock.advance(Duration.ofSeconds(1));
        assertThat(subscriptions.enable(a)).isTrue();
        Subscription enabled = subscriptions.get(a).orElseThrow();
        assertThat(enabled.enabled()).isTrue();
        assertThat(enabled.disabledReason()).isEmpty();
        assertThat(enabled.updatedAt()).isEqualTo(clock.instant());

        assertThat(subscriptions.list()).extracting(Subscription::id).containsExactly(a, b);
        assertThat(subscriptions.remove(a)).isTrue();
        assertThat(subscriptions.remove(a)).isFalse();
        assertThat(subscriptions.get(a)).isEmpty();
        assertThat(subscriptions.list()).extracting(Subscription::id).containsExactly(b);

        UUID unknown = UUID.randomUUID();
        assertThat(subscriptions.disable(unknown, "why not")).isFalse();
        assertThat(subscriptions.enable(unknown)).isFalse();
        assertThat(subscriptions.validSecrets(unknown, clock.instant())).isEmpty();
    }

    @Test
    void subscriptionToStringHasNoSecret() throws Exception {
        SubscriptionChange change = subscriptions.add("invoice.created", "https://example.com/h", Optional.of(GIVEN_SECRET), false);
        subscriptions.add("invoice.created", "https://example.com/h", Optional.empty(), false);
        String sealed = storedSecret(change.id());

        String printed = subscriptions.get(change.id()).orElseThrow().toString() + subscriptions.list();

        assertThat(printed).contains("invoice.created", "https://example.com/h")
                .doesNotContain(GIVEN_SECRET, sealed, "v1:", "v2:", "whsec_");
    }

    @Test
    void wrongKeyFailsClearlyWithoutRevealingTheSecret(TestScope scope) throws Exception {
        SubscriptionChange change = subscriptions.add("invoice.created", "https://example.com/h", Optional.of(GIVEN_SECRET), false);
        Subscriptions withOtherKey = outboxIn(scope).secretCipher(newCipher()).build().subscriptions(dataSource(scope));

        assertThatThrownBy(() -> withOtherKey.validSecrets(change.id(), clock.instant()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("cannot decrypt the secret of subscription " + change.id() + ": it was sealed for another"
                        + " subscription (copied from another row), or POSTHORN_SECRET_KEY is not the key it was stored"
                        + " with, or the stored value is damaged. Use the original key, or re-add the subscription to"
                        + " store a new secret")
                .hasCauseInstanceOf(SecretCipherException.class)
                .satisfies(e -> assertThat(stackTraceOf(e)).doesNotContain(GIVEN_SECRET, storedSecret(change.id())));
    }

    @Test
    void concurrentAddsOfOnePairMakeOneRowWhoseSecretsAreSealedForIt() throws Exception {
        int adders = 8;
        java.util.List<String> given = new java.util.ArrayList<>();
        for (int i = 0; i < adders; i++) {
            given.add(GIVEN_SECRET + "-" + i);
        }
        java.util.List<SubscriptionChange> changes;
        var pool = java.util.concurrent.Executors.newFixedThreadPool(adders);
        try {
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            java.util.List<java.util.concurrent.Future<SubscriptionChange>> futures = new java.util.ArrayList<>();
            for (String secret : given) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return subscriptions.add("invoice.created", "https://race.example/h", Optional.of(secret), false);
                }));
            }
            start.countDown();
            changes = new java.util.ArrayList<>();
            for (var f : futures) {
                changes.add(f.get(60, java.util.concurrent.TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(changes).extracting(SubscriptionChange::id).containsOnly(changes.get(0).id());
        assertThat(changes).filteredOn(SubscriptionChange::created).hasSize(1);
        assertThat(subscriptions.list()).hasSize(1);
        java.util.List<String> valid = subscriptions.validSecrets(changes.get(0).id(), clock.instant());
        assertThat(valid).as("current and previous secret open for the row they are stored in").hasSize(2);
        assertThat(given).containsAll(valid);
    }

    @Test
    void aSealedSecretCopiedToAnotherRowDoesNotOpenThere() throws Exception {
        SubscriptionChange victim = subscriptions.add("invoice.created", "https://victim.example/h", Optional.of(GIVEN_SECRET), false);
        UUID attacker = subscriptions.add("invoice.created", "https://attacker.example/h", Optional.empty(), false).id();
        String sealed = storedSecret(victim.id());
        try (Connection connection = scope.connect();
                PreparedStatement copy = connection.prepareStatement(
                        "UPDATE posthorn_subscriptions SET secret = ?, previous_secret = ? WHERE id = ?")) {
            copy.setString(1, sealed);
            copy.setString(2, sealed);
            copy.setObject(3, attacker);
            assertThat(copy.executeUpdate()).isEqualTo(1);
        }

        assertThatThrownBy(() -> subscriptions.validSecrets(attacker, clock.instant()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot decrypt the secret of subscription " + attacker
                        + ": it was sealed for another subscription (copied from another row)")
                .hasCauseInstanceOf(SecretCipherException.class)
                .satisfies(e -> assertThat(stackTraceOf(e)).doesNotContain(GIVEN_SECRET, sealed));
        assertThat(subscriptions.validSecrets(victim.id(), clock.instant())).containsExactly(GIVEN_SECRET);
    }

    @Test
    void installReSealsSecretsOfAnOlderInstallBoundToTheirSubscription(TestScope scope) throws Exception {
        SubscriptionChange given = subscriptions.add("invoice.created", "https://example.com/h", Optional.of(GIVEN_SECRET), false);
        SubscriptionChange rotated = subscriptions.add("invoice.created", "https://example.com/h", Optional.empty(), false);
        UUID untouched = subscriptions.add("invoice.paid", "https://example.com/h", Optional.empty(), false).id();
        String untouchedSealed = storedSecret(untouched);
        String newSecret = rotated.generatedSecret().orElseThrow();
        Subscription before = subscriptions.get(given.id()).orElseThrow();
        // What an install from before secrets were bound to their subscription stored: v1 values.
        execute("UPDATE posthorn_subscriptions SET secret = '" + Fixtures.sealV1(cipherKey, newSecret)
                + "', previous_secret = '" + Fixtures.sealV1(cipherKey, GIVEN_SECRET) + "' WHERE id = '" + given.id() + "'");
        assertThatThrownBy(() -> subscriptions.validSecrets(given.id(), clock.instant()))
                .as("an old value is refused until it is re-sealed")
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("old v1: format")
                .hasMessageContaining("posthorn outbox install");

        installed(scope, outboxIn(scope)); // without the key: only a warning, nothing changes
        assertThat(storedSecret(given.id())).startsWith("v1:");
        try (Connection connection = scope.connect()) {
            assertThat(outboxIn(scope).build().check(connection).warnings()).extracting(SchemaReport.Problem::problem)
                    .singleElement().asString().startsWith("1 subscription(s) in " + scope.schema()
                            + ".posthorn_subscriptions hold secrets sealed in the old v1: format");
        }

        installed(scope, outboxIn(scope).secretCipher(cipher).clock(clock));

        String resealed = storedSecret(given.id());
        assertThat(resealed).startsWith("v2:").doesNotContain(newSecret);
        assertThat(cipher.open(given.id().toString(), resealed)).isEqualTo(newSecret);
        assertThat(subscriptions.validSecrets(given.id(), clock.instant())).containsExactly(newSecret, GIVEN_SECRET);
        assertThat(subscriptions.get(given.id())).as("the subscription itself did not change").hasValue(before);
        assertThat(storedSecret(untouched)).as("current values are left alone").isEqualTo(untouchedSealed);

        installed(scope, outboxIn(scope).secretCipher(cipher).clock(clock));
        assertThat(storedSecret(given.id())).as("install is idempotent").isEqualTo(resealed);
        try (Connection connection = scope.connect()) {
            assertThat(outboxIn(scope).build().check(connection).warnings()).extracting(SchemaReport.Problem::problem)
                    .noneMatch(p -> p.contains("v1:"));
        }
    }

    @Test
    void installWithAnotherKeyRefusesToReSealAndNamesTheSubscription(TestScope scope) throws Exception {
        UUID id = subscriptions.add("invoice.created", "https://example.com/h", Optional.of(GIVEN_SECRET), false).id();
        execute("UPDATE posthorn_subscriptions SET secret = '" + Fixtures.sealV1(cipherKey, GIVEN_SECRET)
                + "' WHERE id = '" + id + "'");

        assertThatThrownBy(() -> installed(scope, outboxIn(scope).secretCipher(newCipher())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot re-seal the secret of subscription " + id + ": POSTHORN_SECRET_KEY is not")
                .satisfies(e -> assertThat(stackTraceOf(e)).doesNotContain(GIVEN_SECRET));
        assertThat(storedSecret(id)).as("rolled back").startsWith("v1:");
    }

    private void execute(String sql) throws Exception {
        try (Connection connection = scope.connect(); java.sql.Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    @Test
    void secretsNeedAConfiguredKeyButOtherOperationsDoNot(TestScope scope) throws Exception {
        UUID id = subscriptions.add("invoice.created", "https://example.com/h", Optional.empty(), false).id();
        Subscriptions keyless = outboxIn(scope).build().subscriptions(dataSource(scope));

        assertThat(keyless.disable(id, "maintenance")).isTrue();
        assertThat(keyless.get(id)).isPresent();
        assertThatThrownBy(() -> keyless.add("a.b", "https://example.com/h", Optional.empty(), false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("secretCipher(SecretKeys.fromEnvironment(false))");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
        "topic | ''                         | must not be blank",
        "topic | Invoice.created            | is not an event topic",
        "topic | invoice.*.created          | is not an event topic",
        "topic | *.created                  | is not an event topic",
        "url   | ''                         | must not be blank",
        "url   | example.com/hooks          | must be an absolute http or https URL",
        "url   | ftp://example.com/hooks    | must be an absolute http or https URL",
        "url   | https://exa mple.com/hooks | is not a valid URI",
        "url   | https:///hooks             | has no host name",
        "url   | https://user:pw@example.com/hooks | must not contain user info",
    })
    void refusesBadTopicsAndUrlsNamingTheField(String field, String value, String message) throws Exception {
        String topic = field.equals("topic") ? value : "invoice.created";
        String url = field.equals("url") ? value : "https://example.com/hooks";

        assertThatThrownBy(() -> subscriptions.add(topic, url, Optional.empty(), false))
                .isInstanceOfSatisfying(InvalidSubscriptionException.class, e -> assertThat(e.field()).isEqualTo(field))
                .hasMessageStartingWith(field + ": ")
                .hasMessageContaining(message);
        assertThat(subscriptions.list()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "short-secret     | must be 16 to 1024 characters long, was 12",
        "has a space in the middle | must not contain spaces or control characters",
        "whsec_not*base64*at*all   | does not continue with base64",
        "'   '                     | must not be blank",
    })
    void refusesBadSecretsWithoutQuotingThem(String secret, String message) throws Exception {
        assertThatThrownBy(() -> subscriptions.add("invoice.created", "https://example.com/h", Optional.of(secret), false))
                .isInstanceOfSatisfying(InvalidSubscriptionException.class, e -> assertThat(e.field()).isEqualTo("secret"))
                .hasMessageContaining(message)
                .satisfies(e -> {
                    if (!secret.isBlank()) {
                        assertThat(e.getMessage()).doesNotContain(secret);
                    }
                });
        assertThat(subscriptions.list()).isEmpty();
    }

    @Test
    void refusesDisablingWithoutAReason() throws Exception {
        UUID id = subscriptions.add("invoice.created", "https://example.com/h", Optional.empty(), false).id();
        assertThatThrownBy(() -> subscriptions.disable(id, " "))
                .isInstanceOfSatisfying(InvalidSubscriptionException.class, e -> assertThat(e.field()).isEqualTo("reason"));
        assertThat(subscriptions.get(id).orElseThrow().enabled()).isTrue();
    }

    private String storedSecret(UUID id) throws Exception {
        try (Connection connection = scope.connect();
                PreparedStatement query = connection.prepareStatement("SELECT secret FROM posthorn_subscriptions WHERE id = ?")) {
            query.setObject(1, id);
            try (ResultSet rs = query.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }

    private static String stackTraceOf(Throwable e) {
        java.io.StringWriter out = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(out));
        return out.toString();
    }
}
