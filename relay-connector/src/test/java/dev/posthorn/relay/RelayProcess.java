package dev.posthorn.relay;

import dev.posthorn.testkit.PostgresServer;
import dev.posthorn.testkit.TestProcesses;
import dev.posthorn.testkit.TestScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starts {@link RelayProcessMain} as a child JVM on the test's class path; {@link #close()} kills it. */
final class RelayProcess implements AutoCloseable {

    private final Process process;
    final Path log;

    RelayProcess(PostgresServer postgres, String bootstrap, TestScope scope, String name) throws IOException {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Path dir = Paths.get("target", "relay-processes");
        Files.createDirectories(dir);
        log = dir.resolve(scope.id() + "-" + name + ".log");
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xmx384m", "-XX:+UseSerialGC", TestProcesses.ownerOption(),
                "-cp", System.getProperty("java.class.path"), RelayProcessMain.class.getName()));
        Map<String, String> env = pb.environment();
        env.put("RELAY_TEST_HOST", postgres.host());
        env.put("RELAY_TEST_PORT", Integer.toString(postgres.port()));
        env.put("RELAY_TEST_DATABASE", postgres.database());
        env.put("RELAY_TEST_USER", postgres.user());
        env.put("RELAY_TEST_PASSWORD", postgres.password());
        env.put("RELAY_TEST_SCHEMA", scope.schema());
        env.put("RELAY_TEST_SLOT", scope.slotName());
        env.put("RELAY_TEST_PUBLICATION", scope.publicationName());
        env.put("RELAY_TEST_KAFKA", bootstrap);
        env.put("RELAY_TEST_TOPIC_PREFIX", scope.topicPrefix());
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        process = TestProcesses.register(pb.start());
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String output() throws IOException {
        return Files.readString(log);
    }

    /** SIGKILL: no shutdown hook, no offset commit, no goodbye to Postgres. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
