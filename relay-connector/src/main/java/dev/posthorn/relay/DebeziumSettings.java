package dev.posthorn.relay;

import java.util.Properties;
import java.util.regex.Pattern;

/** The Debezium engine and Postgres connector settings derived from a {@link RelayConfig}. */
final class DebeziumSettings {

    private DebeziumSettings() {}

    static Properties of(RelayConfig config) {
        Properties p = new Properties();
        p.setProperty("name", "posthorn-relay-" + config.slotName());
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        // Logical name of this source; it keys the stored offsets, so it must not change for a slot.
        p.setProperty("topic.prefix", "posthorn-" + config.slotName());

        if (config.offsetFile().isPresent()) {
            p.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
            p.setProperty("offset.storage.file.filename", config.offsetFile().get().toString());
        } else {
            p.setProperty("offset.storage", RelayOffsetStore.class.getName());
            p.setProperty("offset.storage.topic", config.offsetsTopic());
            p.setProperty("offset.storage.partitions", "1");
            p.setProperty("offset.storage.replication.factor", Short.toString(config.replicationFactor()));
            p.setProperty("bootstrap.servers", config.kafkaBootstrap());
            config.kafkaProperties().forEach(p::setProperty);
        }
        p.setProperty("offset.flush.interval.ms", Long.toString(config.offsetFlushInterval().toMillis()));
        p.setProperty("offset.flush.timeout.ms", "10000");

        p.setProperty("database.hostname", config.host());
        p.setProperty("database.port", Integer.toString(config.port()));
        p.setProperty("database.dbname", config.database());
        p.setProperty("database.user", config.user());
        p.setProperty("database.password", config.password());
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", config.slotName());
        p.setProperty("slot.drop.on.stop", "false");
        // A slot still held by a relay that just died is freed within seconds; retry for up to a minute.
        p.setProperty("slot.max.retries", "30");
        p.setProperty("slot.retry.delay.ms", "2000");
        p.setProperty("publication.name", config.publicationName());
        // outbox-writer's install creates the publication over exactly the two tables.
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("schema.include.list", config.schema());
        p.setProperty("table.include.list",
                config.schema() + "." + ChangeMapper.OUTBOX_TABLE + "," + config.schema() + "." + ChangeMapper.SUBSCRIPTIONS_TABLE);
        // Logical decoding messages are database-wide: take only this outbox's (outbox-writer's default
        // row retention writes each event as one), so other schemas' and other tools' messages stay in Postgres.
        p.setProperty("message.prefix.include.list", Pattern.quote(ChangeMapper.outboxMessagePrefix(config.schema())));
        if (RelayConfig.SNAPSHOT_SUBSCRIPTIONS.equals(config.snapshotMode())) {
            p.setProperty("snapshot.mode", "custom");
            p.setProperty("snapshot.mode.custom.name", SubscriptionsSnapshotter.NAME);
            p.setProperty("snapshot.include.collection.list", config.schema() + "." + ChangeMapper.SUBSCRIPTIONS_TABLE);
        } else {
            p.setProperty("snapshot.mode", config.snapshotMode());
        }
        p.setProperty("heartbeat.interval.ms", Long.toString(config.heartbeatInterval().toMillis()));
        if (!config.heartbeatActionQuery().isBlank()) {
            p.setProperty("heartbeat.action.query", config.heartbeatActionQuery());
        }
        p.setProperty("tombstones.on.delete", "false");
        p.setProperty("extended.headers.enabled", "false");
        p.setProperty("table.expand.json.payload", "false");
        p.setProperty("max.batch.size", Integer.toString(config.maxBatchSize()));
        p.setProperty("max.queue.size", Integer.toString(config.maxBatchSize() * 4));
        // Debezium's queue hands over a batch when it is full or after this long: it bounds the latency a
        // trickle of changes sees (and the streaming loop's idle pause).
        p.setProperty("poll.interval.ms", "10");
        p.setProperty("status.update.interval.ms", "1000");
        // Failures restart the whole stream (see RelayService); Debezium's own retry loop stays bounded.
        p.setProperty("errors.max.retries", "3");
        p.setProperty("errors.retry.delay.initial.ms", "300");
        p.setProperty("errors.retry.delay.max.ms", "2000");
        p.setProperty("record.processing.threads", "1");
        p.setProperty("record.processing.shutdown.timeout.ms", "1000");
        p.setProperty("task.management.timeout.ms", "8000");
        p.setProperty("executor.shutdown.timeout.ms", "2000");
        p.setProperty("debezium.embedded.shutdown.pause.before.interrupt.ms", "8000");
        return p;
    }
}
