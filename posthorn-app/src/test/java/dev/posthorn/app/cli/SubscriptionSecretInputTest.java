package dev.posthorn.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.app.Main;
import dev.posthorn.outbox.Outbox;
import dev.posthorn.signature.SecretCipher;
import dev.posthorn.testkit.PostgresServer;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * {@code posthorn subscriptions add} takes the operator's own secret from standard input or from an
 * environment variable, so it never has to be on the command line; the stored secret is the one given.
 */
@PosthornIntegrationTest
class SubscriptionSecretInputTest {

    private static final String SECRET = "whsec_c2VjcmV0LWZyb20tc3RkaW4tMDEyMzQ1Njc4OQ==";
    private static final Pattern CREATED = Pattern.compile("created subscription ([0-9a-f-]{36})");

    private record Result(int code, String out, String err) {}

    private final String secretKey = SecretCipher.generateKey();
    private final Map<String, String> env = new HashMap<>();
    private PostgresServer postgres;
    private TestScope scope;

    @BeforeEach
    void install(PostgresServer postgres, TestScope scope) {
        this.postgres = postgres;
        this.scope = scope;
        env.put("POSTHORN_DATABASE_URL", postgres.jdbcUrl());
        env.put("POSTHORN_DATABASE_USER", postgres.user());
        env.put("POSTHORN_DATABASE_PASSWORD", postgres.password());
        env.put("POSTHORN_DATABASE_SCHEMA", scope.schema());
        env.put("POSTHORN_RELAY_PUBLICATION", scope.publicationName());
        env.put("POSTHORN_RELAY_SLOT", scope.slotName());
        env.put("POSTHORN_SECRET_KEY", secretKey);
        assertThat(run("", "outbox", "install").code()).isZero();
    }

    @AfterEach
    void restoreEnvironment() {
        Environment.overrideForTests(null);
    }

    private Result run(String stdin, String... args) {
        Environment.overrideForTests(env);
        PrintStream originalOut = System.out;
        InputStream originalIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            int code = Main.execute(new PrintWriter(err, true), args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(originalOut);
            System.setIn(originalIn);
        }
    }

    private String storedSecretOf(Result added) throws Exception {
        assertThat(added.code()).as(added.err()).isZero();
        Matcher m = CREATED.matcher(added.out());
        assertThat(m.find()).as(added.out()).isTrue();
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(postgres.jdbcUrl(scope.schema()));
        ds.setUser(postgres.user());
        ds.setPassword(postgres.password());
        Outbox outbox = Outbox.builder().schema(scope.schema()).publication(scope.publicationName()).slotName(scope.slotName())
                .secretCipher(SecretCipher.fromBase64Key(secretKey)).build();
        return String.join(",", outbox.subscriptions(ds).validSecrets(UUID.fromString(m.group(1)), Instant.now()));
    }

    @Test
    void readsTheSecretFromStandardInput() throws Exception {
        Result added = run(SECRET + "\n", "subscriptions", "add", "invoice.*", "https://example.com/a", "--secret-stdin");

        assertThat(storedSecretOf(added)).isEqualTo(SECRET);
        assertThat(added.out() + added.err()).doesNotContain(SECRET).doesNotContain("warning");
    }

    @Test
    void readsTheSecretFromANamedEnvironmentVariable() throws Exception {
        env.put("WEBHOOK_SECRET", SECRET);

        Result added = run("", "subscriptions", "add", "invoice.*", "https://example.com/b", "--secret-env", "WEBHOOK_SECRET");

        assertThat(storedSecretOf(added)).isEqualTo(SECRET);
        assertThat(added.out() + added.err()).doesNotContain(SECRET);
    }

    @Test
    void aSecretOnTheCommandLineStillWorksButWarns() throws Exception {
        Result added = run("", "subscriptions", "add", "invoice.*", "https://example.com/c", "--secret", SECRET);

        assertThat(storedSecretOf(added)).isEqualTo(SECRET);
        assertThat(added.err()).contains("warning: a secret given with --secret is visible to other users")
                .contains("--secret-stdin").doesNotContain(SECRET);
    }

    @Test
    void refusesEmptyMissingOrConflictingSources() {
        Result empty = run("\n", "subscriptions", "add", "invoice.*", "https://example.com/d", "--secret-stdin");
        assertThat(empty.code()).isEqualTo(1);
        assertThat(empty.err()).contains("--secret-stdin: standard input was empty");

        Result unset = run("", "subscriptions", "add", "invoice.*", "https://example.com/d", "--secret-env", "NOT_SET_ANYWHERE");
        assertThat(unset.code()).isEqualTo(1);
        assertThat(unset.err()).contains("--secret-env: environment variable NOT_SET_ANYWHERE is not set or empty");

        Result both = run(SECRET, "subscriptions", "add", "invoice.*", "https://example.com/d", "--secret-stdin",
                "--secret", SECRET);
        assertThat(both.code()).isEqualTo(1);
        assertThat(both.err()).contains("give the secret in one way only").doesNotContain(SECRET);
        assertThat(both.out()).doesNotContain("created");
    }
}
