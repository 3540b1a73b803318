package dev.posthorn.app.pipeline;

import dev.posthorn.app.Main;
import dev.posthorn.testkit.TestProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Posthorn command ({@code relay}, {@code deliver}) in a JVM of its own, started as production starts
 * it: {@link Main} with its configuration in the environment. {@link #close()} kills it.
 */
final class ServiceProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    ServiceProcess(String command, Map<String, String> environment, String logName) throws IOException {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Path dir = Paths.get("target", "service-processes");
        Files.createDirectories(dir);
        log = dir.resolve(logName + ".log");
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xmx384m", "-XX:+UseSerialGC", TestProcesses.ownerOption(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), command));
        // Only the test's own configuration: an unknown POSTHORN_* key would stop the service.
        pb.environment().keySet().removeIf(k -> k.startsWith("POSTHORN_"));
        pb.environment().putAll(environment);
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        process = TestProcesses.register(pb.start());
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String output() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
