package dev.posthorn.relay;

import io.debezium.embedded.KafkaConnectUtil;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.KafkaOffsetBackingStore;
import org.apache.kafka.connect.util.SharedTopicAdmin;

/**
 * Debezium's offsets in the compacted {@code <prefix>.relay-offsets} topic: Kafka Connect's
 * {@link KafkaOffsetBackingStore}, but owning (and closing in {@link #stop()}) the topic admin it uses.
 * The engine's built-in Kafka store never closes that admin, which leaks a non-daemon thread per
 * stream restart and keeps the JVM alive after the relay stopped.
 *
 * <p>Public only because Debezium instantiates it by class name ({@code offset.storage}); not an API.
 */
public final class RelayOffsetStore extends KafkaOffsetBackingStore {

    private final AtomicReference<SharedTopicAdmin> admin;

    public RelayOffsetStore() {
        this(new AtomicReference<>());
    }

    private RelayOffsetStore(AtomicReference<SharedTopicAdmin> admin) {
        super(() -> admin.get().topicAdmin(), () -> "posthorn-relay-", KafkaConnectUtil.converterForOffsetStore());
        this.admin = admin;
    }

    @Override
    public void configure(WorkerConfig config) {
        Map<String, Object> adminProps = new HashMap<>(config.originals());
        adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, "posthorn-relay-offsets-admin");
        SharedTopicAdmin previous = admin.getAndSet(new SharedTopicAdmin(adminProps));
        if (previous != null) {
            previous.close(Duration.ZERO);
        }
        super.configure(config);
    }

    @Override
    public void stop() {
        try {
            super.stop();
        } finally {
            SharedTopicAdmin owned = admin.getAndSet(null);
            if (owned != null) {
                owned.close(Duration.ofSeconds(5));
            }
        }
    }
}
