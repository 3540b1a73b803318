package dev.posthorn.testkit;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A Kafka broker in a JVM of its own, so that a test can kill it with SIGKILL
 * ({@code Process.destroyForcibly()}) and start it again on the same port and log directory.
 *
 * <p>{@code KafkaNodeMain <logDir> <nodeId> <clusterId> <port,port,…> <controllerPort,controllerPort,…>}:
 * node {@code nodeId} of a KRaft cluster ({@link KafkaClusterNode}); a single port in each list is a
 * single-node cluster. Every port is fixed by the caller, so a restarted node rejoins at the same addresses.
 * Prints {@value #READY} followed by its bootstrap address once it serves clients; SIGTERM stops it cleanly.
 */
public final class KafkaNodeMain {

    /** The line printed, followed by the bootstrap address, once the broker serves clients. */
    public static final String READY = "KAFKA_NODE_READY ";

    private KafkaNodeMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: KafkaNodeMain <logDir> <nodeId> <clusterId> <ports> <controllerPorts>");
            System.exit(2);
            return;
        }
        KafkaClusterNode node = new KafkaClusterNode(Integer.parseInt(args[1]), args[2], ports(args[3]),
                ports(args[4]), Path.of(args[0])).start();
        String bootstrap = node.bootstrapServers();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
        }, "kafka-node-shutdown"));
        System.out.println(READY + bootstrap);
        System.out.flush();
        Thread.currentThread().join(); // the broker's threads keep the JVM alive; this one just waits
    }

    private static List<Integer> ports(String list) {
        return Arrays.stream(list.split(",")).map(String::trim).map(Integer::valueOf).toList();
    }
}
