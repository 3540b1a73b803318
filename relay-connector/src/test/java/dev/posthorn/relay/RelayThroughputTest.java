package dev.posthorn.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.relay.RelayFixture.Row;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PostgresServer;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.time.Instant;
import dev.posthorn.testkit.Await;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Relay throughput into Kafka next to a raw KafkaProducer sending the same records with the same
 * producer settings, in the same run. The relay drains a backlog committed while it was stopped, so
 * the figure is the steady relay rate (WAL decode, mapping, send, ack, mark), not its start-up.
 */
@PosthornIntegrationTest
class RelayThroughputTest {

    private static final int EVENTS = 10_000;

    /** One drain of a backlog: records (in topic order per partition) and the relay's rate. */
    private record Round(int lingerMs, List<ConsumerRecord<byte[], byte[]>> records, double eventsPerSecond,
            double meanBatch) {}

    @Test
    void relayThroughputNextToARawProducer(PostgresServer postgres, KafkaBroker kafka, TestScope scope) throws Exception {
        RelayFixture fx = new RelayFixture(postgres, kafka, scope).install();
        RelayConfig config = fx.config().build();
        // Create the slot, then stop: what is committed next is a backlog for the relay to drain.
        RelayFixture.startStreaming(config).close(Duration.ofSeconds(10));
        // A first round warms the JIT up and is not reported; then linger.ms 5, 20 and the default 10.
        drain(fx, config, 0);
        List<Round> rounds = new ArrayList<>();
        for (int linger : new int[] {5, 20, 10}) {
            rounds.add(drain(fx, config.toBuilder().lingerMs(linger).build(), rounds.size() + 1));
        }
        Round defaults = rounds.get(rounds.size() - 1);

        String rawTopic = scope.topicPrefix() + ".raw";
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(rawTopic, config.eventsPartitions(), (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> producerConfig = EngineRun.producerConfig(config);
        producerConfig.put("client.id", "raw-baseline");
        double rawEps;
        try (var producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer())) {
            // Warm the producer up (metadata, connections) as the relay's is warm when it drains.
            producer.send(new ProducerRecord<>(rawTopic, new byte[0], new byte[0])).get(60, TimeUnit.SECONDS);
            long t0 = System.nanoTime();
            List<Future<RecordMetadata>> acks = new ArrayList<>(EVENTS);
            for (ConsumerRecord<byte[], byte[]> r : defaults.records()) {
                acks.add(producer.send(new ProducerRecord<>(rawTopic, null, r.key(), r.value(), r.headers())));
            }
            for (Future<RecordMetadata> ack : acks) {
                ack.get(180, TimeUnit.SECONDS);
            }
            rawEps = EVENTS * 1e9 / (System.nanoTime() - t0);
        }
        for (Round r : rounds) {
            System.out.printf("RELAY_LINGER linger.ms=%d relay=%.0f events/s mean_batch=%.0f changes%n", r.lingerMs(),
                    r.eventsPerSecond(), r.meanBatch());
        }
        System.out.printf("RELAY_EPS relay=%.0f raw_producer=%.0f ratio=%.2f (events=%d, linger.ms=%d, batch.size=%d,"
                + " max.batch.size=%d, load average %s)%n", defaults.eventsPerSecond(), rawEps,
                defaults.eventsPerSecond() / rawEps, EVENTS, config.lingerMs(), config.producerBatchBytes(),
                config.maxBatchSize(), java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
        assertThat(defaults.records()).hasSize(EVENTS);
    }

    /** Commits a backlog while the relay is stopped, then starts it and times the drain on the topic. */
    private static Round drain(RelayFixture fx, RelayConfig config, int round) throws Exception {
        try (Connection c = fx.postgres.connect(fx.scope.schema())) {
            for (int t = 0; t < EVENTS / 200; t++) {
                List<Row> rows = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    rows.add(Row.of("customer-" + (i % 97), "order.placed",
                            "{\"round\": " + round + ", \"order\": " + (t * 200 + i) + ", \"lines\": [{\"sku\": \"A-1\","
                                    + " \"qty\": 2, \"price\": 9.99}], \"customer\": {\"name\": \"J\u00fcrgen\"}}"));
                }
                RelayFixture.insert(c, rows, true, true);
            }
        }
        AtomicLong batches = new AtomicLong();
        AtomicLong changes = new AtomicLong();
        RelayListener counting = new RelayListener() {
            @Override
            public void batchRelayed(int batchSize, int eventsRelayed, int subscriptionChanges, Instant newest) {
                batches.incrementAndGet();
                changes.addAndGet(batchSize);
            }
        };
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = fx.consumer()) {
            List<TopicPartition> partitions = consumer.partitionsFor(config.eventsTopic(), Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(config.eventsTopic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.endOffsets(partitions).forEach(consumer::seek);
            try (RelayService relay = new RelayService(config.toBuilder().listener(counting).build())) {
                relay.start();
                Await.until(Duration.ofSeconds(150), EVENTS + " events of round " + round, () -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                    return records.size() >= EVENTS;
                });
            }
        }
        long first = records.stream().mapToLong(ConsumerRecord::timestamp).min().orElseThrow();
        long last = records.stream().mapToLong(ConsumerRecord::timestamp).max().orElseThrow();
        return new Round(config.lingerMs(), records, EVENTS * 1000.0 / Math.max(1, last - first),
                changes.get() / (double) Math.max(1, batches.get()));
    }
}
