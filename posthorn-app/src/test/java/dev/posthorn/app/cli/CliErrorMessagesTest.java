package dev.posthorn.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.app.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every CLI error path a new user can hit without a server (nothing configured, a dev stack that is
 * gone, unreachable database or health URL, bad arguments) answers in lines an operator can act on:
 * none ends in {@code null}, none is a stack trace.
 */
class CliErrorMessagesTest {

    private static final String NOWHERE_DB = "jdbc:postgresql://127.0.0.1:1/app?connectTimeout=3";
    private static final String KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    @TempDir
    Path devHome;

    private final ByteArrayOutputStream notices = new ByteArrayOutputStream();

    @BeforeEach
    void noDevStack() {
        Environment.devStackForTests(devHome, new PrintStream(notices, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        Environment.overrideForTests(null);
        Environment.devStackForTests(null, null);
    }

    private record Run(int code, String err) {}

    private Run run(Map<String, String> environment, String... args) {
        Environment.overrideForTests(environment);
        notices.reset();
        StringWriter err = new StringWriter();
        PrintStream originalErr = System.err;
        PrintStream originalOut = System.out;
        ByteArrayOutputStream direct = new ByteArrayOutputStream();
        System.setErr(new PrintStream(direct, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            int code = Main.execute(new PrintWriter(err, true), args);
            return new Run(code, notices.toString(StandardCharsets.UTF_8) + err + direct.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(originalErr);
            System.setOut(originalOut);
        }
    }

    @Test
    void noErrorLineEndsInNullOrIsAStackTrace() throws Exception {
        Map<String, String> unreachable = Map.of(
                "POSTHORN_DATABASE_URL", NOWHERE_DB,
                "POSTHORN_KAFKA_BOOTSTRAP", "127.0.0.1:1",
                "POSTHORN_SECRET_KEY", KEY);
        List<Run> runs = new ArrayList<>();
        runs.add(run(Map.of(), "subscriptions", "list"));
        runs.add(run(Map.of(), "dlq", "list"));
        runs.add(run(Map.of(), "publish", "invoice.created", "{}"));
        runs.add(run(Map.of("POSTHORN_METRICS_PORT", "1"), "health"));
        runs.add(run(Map.of(), "health", "--url", "http://127.0.0.1:1/health"));
        runs.add(run(unreachable, "subscriptions", "list"));
        runs.add(run(unreachable, "publish", "invoice.created", "{}"));
        runs.add(run(unreachable, "outbox", "check"));
        runs.add(run(unreachable, "outbox", "install"));
        runs.add(run(unreachable, "recover", "--subscription", "not-an-id", "--since", "2026-01-01T00:00:00Z"));
        runs.add(run(unreachable, "subscriptions", "rotate", "not-an-id"));
        runs.add(run(unreachable, "dlq", "list", "--limit", "zero"));

        // A dev stack killed without cleaning up leaves its file behind; the CLI says so, then what is missing.
        Files.writeString(devHome.resolve("connection.properties"), "POSTHORN_DATABASE_URL=" + NOWHERE_DB
                + "\ndev.pid=" + deadPid() + "\ndev.health_url=http://127.0.0.1:1/health\n");
        Run stale = run(Map.of(), "subscriptions", "list");
        runs.add(stale);
        assertThat(stale.err()).contains("is not running").contains("POSTHORN_SECRET_KEY: required");

        for (Run r : runs) {
            assertThat(r.code()).as("exit code; stderr:%n%s", r.err()).isNotZero();
            assertThat(r.err()).as("something is said").isNotBlank();
            for (String line : r.err().split("\\R")) {
                assertThat(line.strip()).as("stderr line").doesNotEndWith("null").doesNotStartWith("at ")
                        .doesNotContain("Exception in thread");
            }
        }
        assertThat(runs.get(4).err()).contains("unreachable: ").contains("ConnectException");
    }

    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }
}
