package dev.posthorn.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.app.Main;
import dev.posthorn.app.dev.DevConnection;
import dev.posthorn.app.dev.DevStack;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * A new user's first operate commands against a running dev stack, with nothing set in the
 * environment: they find the stack through its connection file and say so on stderr.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DevStackCliTest {

    private Path home;
    private DevStack stack;

    @BeforeAll
    void start() throws Exception {
        home = Files.createTempDirectory("posthorn-dev-cli");
        stack = DevStack.start(new DevStack.Options(home, 0, 0, 0, 0, false, Map.of()),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
        assertThat(DevConnection.file(home)).as("removed when the stack stops").doesNotExist();
    }

    @AfterEach
    void restore() {
        Environment.overrideForTests(null);
        Environment.devStackForTests(null, null);
    }

    private record Run(int code, String out, String err) {}

    private Run run(Map<String, String> environment, String... args) {
        ByteArrayOutputStream notices = new ByteArrayOutputStream();
        Environment.overrideForTests(environment);
        Environment.devStackForTests(home, new PrintStream(notices, true, StandardCharsets.UTF_8));
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = Main.execute(new PrintWriter(err, true), args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), notices.toString(StandardCharsets.UTF_8) + err);
        } finally {
            System.setOut(original);
        }
    }

    @Test
    void theConnectionFileIsOwnerOnlyAndNamesTheRunningStack() throws Exception {
        Path file = DevConnection.file(home);
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        DevConnection connection = DevConnection.read(home).orElseThrow();
        assertThat(connection.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(connection.settings()).containsEntry("POSTHORN_DATABASE_URL", stack.jdbcUrl())
                .containsEntry("POSTHORN_KAFKA_BOOTSTRAP", stack.kafkaBootstrap())
                .containsKey("POSTHORN_SECRET_KEY")
                .doesNotContainKey("POSTHORN_ADMIN_AUTH");
        String exports = connection.exportBlock(home.resolve("secret.key"));
        assertThat(exports).startsWith("export").contains("POSTHORN_DATABASE_URL=" + stack.jdbcUrl())
                .contains("POSTHORN_SECRET_KEY=\"$(cat " + home.resolve("secret.key") + ")\"")
                .doesNotContain(connection.settings().get("POSTHORN_SECRET_KEY"));
    }

    @Test
    void operateCommandsAndHealthTalkToTheDevStackWithNoSetup() {
        Run added = run(Map.of(), "subscriptions", "add", "invoice.*", "http://127.0.0.1:9/hooks");
        assertThat(added.code()).as(added.err()).isZero();
        assertThat(added.err()).contains("talking to the dev stack in " + home).contains(stack.jdbcUrl());

        Run listed = run(Map.of("POSTHORN_LOG_LEVEL", "WARN"), "subscriptions", "list");
        assertThat(listed.code()).as(listed.err()).isZero();
        assertThat(listed.out()).contains("http://127.0.0.1:9/hooks");

        Run dlq = run(Map.of(), "dlq", "list");
        assertThat(dlq.code()).as(dlq.err()).isZero();
        assertThat(dlq.err()).contains("talking to the dev stack");

        Run health = run(Map.of(), "health");
        assertThat(health.code()).as(health.err()).isZero();
        assertThat(health.out()).contains("UP");

        Run elsewhere = run(Map.of("POSTHORN_DATABASE_URL", "jdbc:postgresql://127.0.0.1:1/x"), "subscriptions", "list");
        assertThat(elsewhere.code()).as("a POSTHORN_* setting means: not the dev stack").isNotZero();
        assertThat(elsewhere.err()).doesNotContain("talking to the dev stack")
                .contains("POSTHORN_SECRET_KEY: required");
    }
}
