package dev.posthorn.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node Kafka (KRaft, combined broker and controller) running inside this JVM.
 *
 * <p>{@link #stop()} and {@link #restart()} keep the port and the log directory, so clients see the
 * broker go away and come back at the same address.
 */
public final class EmbeddedKafka implements Kafka {

    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final Path logDirectory;
    private final int port;
    private final int controllerPort;
    private final boolean keepData;
    private KafkaRaftServer server;

    private EmbeddedKafka(Path logDirectory, int port, int controllerPort, boolean keepData) {
        this.logDirectory = logDirectory;
        this.port = port;
        this.controllerPort = controllerPort;
        this.keepData = keepData;
    }

    /** Starts a throwaway broker on free ports in a fresh temporary directory. */
    public static EmbeddedKafka startTemporary() {
        try {
            return start(Files.createTempDirectory("posthorn-kafka-"), 0, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for Kafka", e);
        }
    }

    /**
     * Starts a broker.
     *
     * @param logDirectory where the logs live; formatted on first use
     * @param port the client port, or 0 for a free one
     * @param keepData keep the logs after {@link #close()} (for a persistent dev broker)
     */
    public static EmbeddedKafka start(Path logDirectory, int port, boolean keepData) {
        EmbeddedKafka broker =
                new EmbeddedKafka(logDirectory, port > 0 ? port : freePort(), freePort(), keepData);
        broker.format();
        broker.restart();
        return broker;
    }

    private Map<String, Object> config() {
        Map<String, Object> props = new HashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + port + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("log.dirs", logDirectory.toString());
        props.put("metadata.log.dir", logDirectory.toString());
        // Services create their topics with explicit settings; a typo must not silently create one.
        props.put("auto.create.topics.enable", "false");
        props.put("num.partitions", "1");
        props.put("default.replication.factor", "1");
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "4");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "4");
        props.put("log.cleaner.threads", "1");
        props.put("log.cleaner.backoff.ms", "1000");
        props.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
        return props;
    }

    private void format() {
        if (Files.exists(logDirectory.resolve("meta.properties"))) {
            return;
        }
        try {
            Files.createDirectories(logDirectory);
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(1)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setDirectories(List.of(logDirectory.toString()))
                    .setMetadataLogDirectory(logDirectory.toString())
                    .setReleaseVersion(MetadataVersion.latestProduction())
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setIgnoreFormatted(true)
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format Kafka log directory " + logDirectory, e);
        }
    }

    /** Starts (again) on the same ports and log directory. */
    public synchronized void restart() {
        if (server != null) {
            return;
        }
        KafkaRaftServer started = new KafkaRaftServer(new KafkaConfig(config(), false), Time.SYSTEM);
        started.startup();
        server = started;
    }

    /** Stops the broker but keeps its data, so that {@link #restart()} brings the same cluster back. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        server.shutdown();
        server.awaitShutdown();
        server = null;
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    @Override
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public Path logDirectory() {
        return logDirectory;
    }

    @Override
    public void close() {
        stop();
        if (!keepData) {
            deleteRecursively(logDirectory);
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // Temporary data only; a leftover directory is harmless.
        }
    }

    /** A port nothing listens on right now. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port", e);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedKafka[" + bootstrapServers() + "]";
    }
}
