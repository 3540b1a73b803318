package dev.posthorn.testkit;

import dev.posthorn.embedded.EmbeddedKafka;
import java.nio.file.Path;

/**
 * The in-process KRaft broker of {@code posthorn-embedded} ({@link EmbeddedKafka}) as a test broker.
 *
 * <p>{@link #stop()} and {@link #restart()} keep the port and the log directory, so clients see the
 * broker go away and come back at the same address.
 */
public final class EmbeddedKafkaBroker implements KafkaBroker {

    private final EmbeddedKafka kafka;

    private EmbeddedKafkaBroker(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    /** Starts a throwaway broker on free ports in a fresh temporary directory. */
    public static EmbeddedKafkaBroker startTemporary() {
        return new EmbeddedKafkaBroker(EmbeddedKafka.startTemporary());
    }

    /** See {@link EmbeddedKafka#start(Path, int, boolean)}. */
    public static EmbeddedKafkaBroker start(Path logDirectory, int port, boolean keepData) {
        return new EmbeddedKafkaBroker(EmbeddedKafka.start(logDirectory, port, keepData));
    }

    /** Starts (again) on the same ports and log directory. */
    public void restart() {
        kafka.restart();
    }

    /** Stops the broker but keeps its data, so that {@link #restart()} brings the same cluster back. */
    public void stop() {
        kafka.stop();
    }

    public boolean isRunning() {
        return kafka.isRunning();
    }

    @Override
    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public Path logDirectory() {
        return kafka.logDirectory();
    }

    @Override
    public void close() {
        kafka.close();
    }

    static int freePort() {
        return EmbeddedKafka.freePort();
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaBroker[" + bootstrapServers() + "]";
    }
}
