package dev.posthorn.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.app.Main;
import dev.posthorn.signature.SecretCipher;
import dev.posthorn.testkit.PostgresServer;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code subscriptions add} with options, {@code subscriptions update}, and {@code list} showing them. */
@PosthornIntegrationTest
class SubscriptionsUpdateCommandTest {

    private static final Pattern CREATED = Pattern.compile("created subscription ([0-9a-f-]{36})");

    private record Result(int code, String out, String err) {}

    private final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void install(PostgresServer postgres, TestScope scope) {
        env.put("POSTHORN_DATABASE_URL", postgres.jdbcUrl());
        env.put("POSTHORN_DATABASE_USER", postgres.user());
        env.put("POSTHORN_DATABASE_PASSWORD", postgres.password());
        env.put("POSTHORN_DATABASE_SCHEMA", scope.schema());
        env.put("POSTHORN_RELAY_PUBLICATION", scope.publicationName());
        env.put("POSTHORN_RELAY_SLOT", scope.slotName());
        env.put("POSTHORN_SECRET_KEY", SecretCipher.generateKey());
        assertThat(run("outbox", "install").code()).isZero();
    }

    @AfterEach
    void restoreEnvironment() {
        Environment.overrideForTests(null);
    }

    private Result run(String... args) {
        Environment.overrideForTests(env);
        PrintStream originalOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = Main.execute(new PrintWriter(err, true), args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(originalOut);
        }
    }

    @Test
    void addWithOptionsUpdateThemAndListShowsThem() {
        Result added = run("subscriptions", "add", "invoice.*", "https://example.com/a",
                "--filter", "{\"payload.status\":\"paid\"}", "--header", "X-Tenant=t1", "--header", "Authorization=Bearer s3cr3t",
                "--rate-limit", "50");
        assertThat(added.code()).as(added.err()).isZero();
        Matcher m = CREATED.matcher(added.out());
        assertThat(m.find()).isTrue();
        String id = m.group(1);

        assertThat(run("subscriptions", "list").out())
                .contains("filter={\"payload.status\":\"paid\"}  headers=Authorization,X-Tenant  rate_limit=50/s")
                .doesNotContain("s3cr3t");

        Result updated = run("subscriptions", "update", id, "--no-filter", "--rate-limit", "7", "--strict-order", "true");
        assertThat(updated.code()).as(updated.err()).isZero();
        assertThat(updated.out()).contains("updated subscription " + id)
                .contains("headers=Authorization,X-Tenant  rate_limit=7/s  strict_order").doesNotContain("filter=");
        assertThat(run("subscriptions", "list").out()).contains("headers=Authorization,X-Tenant  rate_limit=7/s  strict_order");

        Result ed = run("subscriptions", "update", id, "--signing", "ed25519");
        assertThat(ed.code()).as(ed.err()).isZero();
        assertThat(ed.out()).contains("signing=ed25519  public_key=whpk_");
        Result rotated = run("subscriptions", "rotate", id);
        assertThat(rotated.out()).contains("public key: whpk_").contains("previous key keeps signing");
        assertThat(run("subscriptions", "update", id, "--signing", "rsa").err())
                .contains("posthorn: signing: must be hmac, ed25519 or both, was 'rsa'");
    }

    @Test
    void refusesBadOptionsNamingThemAndChangesNothing() {
        Result added = run("subscriptions", "add", "invoice.*", "https://example.com/b", "--header", "X-Tenant=t1");
        Matcher m = CREATED.matcher(added.out());
        assertThat(m.find()).as(added.err()).isTrue();
        String id = m.group(1);

        Result badFilter = run("subscriptions", "update", id, "--filter", "{\"status\":\"paid\"}");
        assertThat(badFilter.code()).isEqualTo(1);
        assertThat(badFilter.err()).contains("posthorn: filter: path 'status' must start at an envelope field")
                .doesNotContain("Exception");
        Result badHeader = run("subscriptions", "update", id, "--header", "Host=evil");
        assertThat(badHeader.err()).contains("posthorn: headers: header 'Host' is set by Posthorn or HTTP");
        assertThat(run("subscriptions", "update", id, "--header", "novalue").err())
                .contains("--header: expected NAME=VALUE, got 'novalue'");
        assertThat(run("subscriptions", "update", id).err()).contains("nothing to change");
        assertThat(run("subscriptions", "update", id, "--rate-limit", "5", "--no-rate-limit").err())
                .contains("not both");
        assertThat(run("subscriptions", "update", "00000000-0000-0000-0000-000000000000", "--rate-limit", "5").err())
                .contains("no subscription 00000000-0000-0000-0000-000000000000");
        assertThat(run("subscriptions", "list").out()).as("unchanged").contains("headers=X-Tenant")
                .doesNotContain("filter=").doesNotContain("rate_limit");
    }
}
