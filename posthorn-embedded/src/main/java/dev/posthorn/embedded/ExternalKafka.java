package dev.posthorn.embedded;

/** A Kafka cluster someone else runs. */
record ExternalKafka(String bootstrapServers) implements Kafka {

    @Override
    public void close() {
        // Not ours to stop.
    }
}
