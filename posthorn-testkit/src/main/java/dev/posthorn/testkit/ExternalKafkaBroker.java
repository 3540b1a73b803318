package dev.posthorn.testkit;

/** A Kafka cluster someone else runs. */
record ExternalKafkaBroker(String bootstrapServers) implements KafkaBroker {

    @Override
    public void close() {
        // Not ours to stop.
    }
}
