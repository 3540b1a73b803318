package dev.posthorn.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.Uuid;

/**
 * A real Kafka KRaft cluster of one or more nodes, each in a child JVM ({@link KafkaNodeMain}) on this
 * JVM's class path, so that a test can {@link #kill(int) SIGKILL} a node and {@link #restart(int) start}
 * it again on the same ports and log directory. {@link #close()} kills every node and deletes the logs.
 */
public final class KafkaProcessCluster implements KafkaBroker {

    private final Path root;
    private final String clusterId = Uuid.randomUuid().toString();
    private final List<Integer> ports = new ArrayList<>();
    private final List<Integer> controllerPorts = new ArrayList<>();
    private final Process[] nodes;
    /** READY lines in each node's log before its latest start: the start is ready once there is one more. */
    private final long[] readyLinesAtLaunch;

    private KafkaProcessCluster(int size, Path root) {
        this.root = root;
        this.nodes = new Process[size];
        this.readyLinesAtLaunch = new long[size];
        for (int i = 0; i < size; i++) {
            ports.add(EmbeddedKafkaBroker.freePort());
            controllerPorts.add(EmbeddedKafkaBroker.freePort());
        }
    }

    /** Starts {@code size} nodes at once (a quorum forms only when most are up) and waits until each serves clients. */
    public static KafkaProcessCluster start(int size, Duration timeout) {
        KafkaProcessCluster cluster;
        try {
            cluster = new KafkaProcessCluster(size, Files.createTempDirectory("posthorn-kafka-cluster-"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the Kafka cluster", e);
        }
        try {
            for (int i = 1; i <= size; i++) {
                cluster.launch(i);
            }
            for (int i = 1; i <= size; i++) {
                cluster.awaitReady(i, timeout);
            }
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    public int size() {
        return nodes.length;
    }

    /** Kills node {@code nodeId} (1-based) with SIGKILL: no shutdown, no flush, no goodbye to the quorum. */
    public synchronized void kill(int nodeId) {
        Process node = nodes[nodeId - 1];
        if (node == null) {
            return;
        }
        node.destroyForcibly();
        try {
            if (!node.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("Kafka node " + nodeId + " did not die within 30 s of SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        nodes[nodeId - 1] = null;
    }

    /** Starts node {@code nodeId} again on its ports and log directory and waits until it serves clients. */
    public void restart(int nodeId, Duration timeout) {
        launch(nodeId);
        awaitReady(nodeId, timeout);
    }

    public synchronized long pid(int nodeId) {
        return nodes[nodeId - 1].pid();
    }

    public synchronized boolean isAlive(int nodeId) {
        return nodes[nodeId - 1] != null && nodes[nodeId - 1].isAlive();
    }

    /** Where node {@code nodeId} writes its output (appended across restarts). */
    public Path log(int nodeId) {
        return root.resolve("node-" + nodeId + ".log");
    }

    private synchronized void launch(int nodeId) {
        if (nodes[nodeId - 1] != null && nodes[nodeId - 1].isAlive()) {
            throw new IllegalStateException("Kafka node " + nodeId + " is running");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String joinedPorts = ports.stream().map(String::valueOf).collect(Collectors.joining(","));
        String joinedControllerPorts = controllerPorts.stream().map(String::valueOf).collect(Collectors.joining(","));
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), KafkaNodeMain.class.getName(),
                root.resolve("node-" + nodeId).toString(), Integer.toString(nodeId), clusterId, joinedPorts,
                joinedControllerPorts);
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log(nodeId).toFile()));
        readyLinesAtLaunch[nodeId - 1] = readyLines(nodeId);
        try {
            nodes[nodeId - 1] = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Kafka node " + nodeId, e);
        }
    }

    private void awaitReady(int nodeId, Duration timeout) {
        Process node;
        long readyBefore;
        synchronized (this) {
            node = nodes[nodeId - 1];
            readyBefore = readyLinesAtLaunch[nodeId - 1];
        }
        Await.until(timeout, "Kafka node " + nodeId + " serving clients (log " + log(nodeId) + ")", () -> {
            if (!node.isAlive()) {
                throw new IllegalStateException("Kafka node " + nodeId + " exited with " + node.exitValue()
                        + "; see " + log(nodeId));
            }
            return readyLines(nodeId) > readyBefore;
        });
    }

    private long readyLines(int nodeId) {
        try {
            if (!Files.exists(log(nodeId))) {
                return 0;
            }
            try (var lines = Files.lines(log(nodeId), java.nio.charset.StandardCharsets.ISO_8859_1)) {
                return lines.filter(l -> l.startsWith(KafkaNodeMain.READY)).count();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String bootstrapServers() {
        return IntStream.range(0, nodes.length).mapToObj(i -> "127.0.0.1:" + ports.get(i)).collect(Collectors.joining(","));
    }

    @Override
    public void close() {
        for (int i = 1; i <= nodes.length; i++) {
            kill(i);
        }
        TestFiles.deleteRecursively(root);
    }

    @Override
    public String toString() {
        return "KafkaProcessCluster[" + bootstrapServers() + "]";
    }
}
