package dev.posthorn.app.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A main class in a JVM of its own on the test's class path, its output in
 * {@code target/fault-processes/<name>.log}. {@link #kill()} is SIGKILL; {@link #close()} kills it if alive.
 */
final class ChildJvm implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path log;

    private ChildJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code mainClass} with {@code args}; the environment is this JVM's without any POSTHORN_* key, plus {@code env}. */
    static ChildJvm start(String name, Class<?> mainClass, Map<String, String> env, String... args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx320m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(List.of(args));
        try {
            Path dir = Files.createDirectories(Path.of("target", "fault-processes"));
            Path log = dir.resolve(name + ".log");
            ProcessBuilder pb = new ProcessBuilder(command);
            // Only the test's own configuration: an unknown POSTHORN_* key would stop a Posthorn service.
            pb.environment().keySet().removeIf(k -> k.startsWith("POSTHORN_"));
            pb.environment().putAll(env);
            pb.redirectErrorStream(true).redirectOutput(log.toFile());
            return new ChildJvm(name, pb.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String output() {
        try {
            return Files.readString(log, java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fails (with the tail of its output) if the process has exited. */
    void requireAlive() {
        if (!process.isAlive()) {
            String out = output();
            throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n"
                    + out.substring(Math.max(0, out.length() - 4000)));
        }
    }

    /** SIGKILL: no shutdown hook, no drain, no offset commit, no goodbye to Postgres or Kafka. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " survived SIGKILL for 30 s");
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }

    @Override
    public String toString() {
        return name + "[pid " + process.pid() + "]";
    }
}
