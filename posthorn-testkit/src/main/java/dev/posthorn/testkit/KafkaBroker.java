package dev.posthorn.testkit;

import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;

/** A Kafka cluster to talk to: the in-process KRaft broker, or an external one given by address. */
public interface KafkaBroker extends AutoCloseable {

    /** A cluster someone else runs; closing it does nothing. */
    static KafkaBroker external(String bootstrapServers) {
        return new ExternalKafkaBroker(bootstrapServers);
    }

    String bootstrapServers();

    /** A new admin client; the caller closes it. */
    default Admin admin() {
        return Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    @Override
    void close();
}
