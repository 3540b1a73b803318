package dev.posthorn.testkit;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * One node (combined broker and controller) of a real multi-node KRaft cluster with a static quorum of
 * every node. Meant to run one per JVM ({@link KafkaNodeMain}), so that a test can SIGKILL a node; the
 * nodes of one cluster share the cluster id and the lists of client and controller ports.
 */
public final class KafkaClusterNode implements AutoCloseable {

    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final int nodeId;
    private final String clusterId;
    private final List<Integer> ports;
    private final List<Integer> controllerPorts;
    private final Path logDirectory;
    private KafkaRaftServer server;

    /**
     * @param nodeId 1-based; this node listens on {@code ports[nodeId-1]} and {@code controllerPorts[nodeId-1]}
     * @param clusterId shared by every node (e.g. {@code Uuid.randomUuid().toString()})
     */
    public KafkaClusterNode(int nodeId, String clusterId, List<Integer> ports, List<Integer> controllerPorts,
            Path logDirectory) {
        if (ports.size() != controllerPorts.size() || nodeId < 1 || nodeId > ports.size()) {
            throw new IllegalArgumentException("node " + nodeId + " of ports " + ports + " / " + controllerPorts);
        }
        this.nodeId = nodeId;
        this.clusterId = clusterId;
        this.ports = List.copyOf(ports);
        this.controllerPorts = List.copyOf(controllerPorts);
        this.logDirectory = logDirectory;
    }

    /** Formats the log directory on first use and starts the node; returns once it is a member of the cluster. */
    public synchronized KafkaClusterNode start() {
        format();
        KafkaRaftServer started = new KafkaRaftServer(new KafkaConfig(config(), false), Time.SYSTEM);
        started.startup();
        server = started;
        return this;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + ports.get(nodeId - 1);
    }

    private Map<String, Object> config() {
        int replicas = ports.size();
        String minIsr = Integer.toString(Math.max(1, replicas - 1));
        String voters = IntStream.range(0, replicas)
                .mapToObj(i -> (i + 1) + "@127.0.0.1:" + controllerPorts.get(i)).collect(Collectors.joining(","));
        int port = ports.get(nodeId - 1);
        int controllerPort = controllerPorts.get(nodeId - 1);
        Map<String, Object> props = new HashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(nodeId));
        props.put("controller.quorum.voters", voters);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + port + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("log.dirs", logDirectory.toString());
        props.put("metadata.log.dir", logDirectory.toString());
        props.put("auto.create.topics.enable", "false");
        props.put("num.partitions", "1");
        props.put("default.replication.factor", Integer.toString(replicas));
        props.put("min.insync.replicas", minIsr);
        props.put("offsets.topic.replication.factor", Integer.toString(replicas));
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", Integer.toString(replicas));
        props.put("transaction.state.log.min.isr", minIsr);
        props.put("transaction.state.log.num.partitions", "4");
        props.put("share.coordinator.state.topic.replication.factor", Integer.toString(replicas));
        props.put("share.coordinator.state.topic.min.isr", minIsr);
        props.put("group.initial.rebalance.delay.ms", "0");
        // Never elect a replica that was out of the ISR: that would silently drop acknowledged records.
        props.put("unclean.leader.election.enable", "false");
        // A killed follower leaves the ISR after this long; the remaining two keep acks=all writes going.
        props.put("replica.lag.time.max.ms", "5000");
        props.put("broker.session.timeout.ms", "6000");
        props.put("broker.heartbeat.interval.ms", "1000");
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "2");
        props.put("num.replica.fetchers", "1");
        props.put("log.cleaner.threads", "1");
        props.put("log.cleaner.backoff.ms", "1000");
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
                    .setNodeId(nodeId)
                    .setClusterId(clusterId)
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

    @Override
    public synchronized void close() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }
}
