package dev.posthorn.embedded;

import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;

/** A Kafka cluster to talk to: the in-process KRaft broker, or an external one given by address. */
public interface Kafka extends AutoCloseable {

    /** A cluster someone else runs; closing it does nothing. */
    static Kafka external(String bootstrapServers) {
        return new ExternalKafka(bootstrapServers);
    }

    String bootstrapServers();

    /** A new admin client; the caller closes it. */
    default Admin admin() {
        return Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    @Override
    void close();
}
