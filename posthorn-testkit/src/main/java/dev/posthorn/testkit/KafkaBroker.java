package dev.posthorn.testkit;

import dev.posthorn.embedded.Kafka;

/** A Kafka cluster for tests: the in-process KRaft broker, or an external one given by address. */
public interface KafkaBroker extends Kafka {

    /** A cluster someone else runs; closing it does nothing. */
    static KafkaBroker external(String bootstrapServers) {
        return new ExternalKafkaBroker(bootstrapServers);
    }

    @Override
    void close();
}
