package dev.posthorn.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.app.Main;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.PostgresServer;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code posthorn outbox install} and {@code check} as an operator runs them, against the real Postgres. */
@PosthornIntegrationTest
class OutboxCommandTest {

    private record Result(int code, String out) {}

    @AfterEach
    void restoreEnvironment() {
        Environment.overrideForTests(null);
    }

    private static Result run(Map<String, String> environment, String... args) {
        Environment.overrideForTests(environment);
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = Main.execute(new PrintWriter(new StringWriter(), true), args);
            return new Result(code, out.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
        }
    }

    @Test
    void installCreatesTheSlotAndCheckReportsItsRetainedWalOrSaysPlainlyThatItIsMissing(PostgresServer postgres,
            TestScope scope) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("POSTHORN_DATABASE_URL", postgres.jdbcUrl());
        env.put("POSTHORN_DATABASE_USER", postgres.user());
        env.put("POSTHORN_DATABASE_PASSWORD", postgres.password());
        env.put("POSTHORN_DATABASE_SCHEMA", scope.schema());
        env.put("POSTHORN_RELAY_PUBLICATION", scope.publicationName());
        env.put("POSTHORN_RELAY_SLOT", scope.slotName());

        Result install = run(env, "outbox", "install");
        assertThat(install.code()).isZero();
        assertThat(install.out()).contains("replication slot " + scope.slotName());

        Result check = run(env, "outbox", "check");
        assertThat(check.code()).isZero();
        assertThat(check.out()).contains("ok: the relay can read the outbox")
                .containsPattern("replication slot " + scope.slotName() + " retains \\d+ bytes of WAL")
                .doesNotContain("warning");

        env.put("POSTHORN_RELAY_SLOT_WAL_WARNING", "1");
        try (Connection c = postgres.connect(scope.schema()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE filler AS SELECT g FROM generate_series(1, 1000) g"); // WAL after the slot
        }
        // The test server commits asynchronously: wait until that WAL is written.
        Result warned = Await.value(Duration.ofSeconds(30), "a check that warns",
                () -> Optional.of(run(env, "outbox", "check")).filter(r -> r.out().contains("warning")));
        assertThat(warned.code()).as("a warning is not a failure").isZero();
        assertThat(warned.out()).contains("warning: replication slot " + scope.slotName() + " retains")
                .contains("over the warning threshold of 1");

        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_drop_replication_slot('" + scope.slotName() + "')");
        }
        Result missing = run(env, "outbox", "check");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.out()).contains("replication slot " + scope.slotName() + " does not exist: Postgres is NOT"
                + " keeping the events published now for the relay");
    }
}
