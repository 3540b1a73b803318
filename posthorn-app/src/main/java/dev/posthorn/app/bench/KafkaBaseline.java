package dev.posthorn.app.bench;

import dev.posthorn.delivery.DeliveryHeaders;
import dev.posthorn.embedded.Kafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Baseline: the same 1 KiB envelopes with the relay's headers, produced (idempotent, acks=all,
 * the relay's linger and batch size) to a topic with the events topic's partitions and consumed
 * by one consumer. Events/s from the first send to the last record consumed.
 */
final class KafkaBaseline {

    private static final String TOPIC = "bench.kafka";
    private static final Duration POLL = Duration.ofMillis(100);
    private static final int LINGER_MS = 10;
    private static final int BATCH_BYTES = 256 * 1024;

    private final BenchSettings settings;
    private final Kafka kafka;
    private final Console console;

    KafkaBaseline(BenchSettings settings, Kafka kafka, Console console) {
        this.settings = settings;
        this.kafka = kafka;
        this.console = console;
    }

    Throughput run() throws InterruptedException, ExecutionException, TimeoutException {
        String topic = "posthorn-bench.kafka-baseline-" + Long.toHexString(System.nanoTime());
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(settings.partitions()), Optional.empty())))
                    .all().get(30, TimeUnit.SECONDS);
            try {
                if (settings.warmupEvents() > 0) {
                    produceAndConsume(topic, settings.warmupEvents(), "kafka-warmup");
                }
                return produceAndConsume(topic, settings.kafkaRecords(), "kafka");
            } finally {
                admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Produces {@code records} more records and consumes them from where the topic ended before. */
    @SuppressWarnings("try") // the progress handle is only closed
    private Throughput produceAndConsume(String topic, long records, String label) throws InterruptedException, ExecutionException {
        CountingConsumer consumer = new CountingConsumer(topic, records, System.nanoTime() + settings.drainTimeout().toNanos());
        AtomicLong acknowledged = new AtomicLong();
        try (ExecutorService consuming = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("bench-kafka-consumer").factory());
                Console.Progress progress = console.progress(() -> label + ": acknowledged " + acknowledged.get()
                        + ", consumed " + consumer.consumed.get() + "/" + records)) {
            Future<?> consumed = consuming.submit(consumer);
            if (!consumer.assigned.await(30, TimeUnit.SECONDS)) {
                consumed.get();
                throw new IllegalStateException("the Kafka baseline's consumer did not start within 30 s");
            }
            long firstSendNanos = produce(topic, records, acknowledged);
            consumed.get();
            if (consumer.consumed.get() < records) {
                console.line(label + ": only " + consumer.consumed.get() + " of " + records + " records consumed before the cut-off");
            }
            return new Throughput(consumer.consumed.get(), firstSendNanos, consumer.lastConsumedNanos.get());
        }
    }

    /** Sends the records and waits for every acknowledgement; returns when the first was sent. */
    private long produce(String topic, long records, AtomicLong acknowledged) {
        byte[] body = Payloads.envelope(Instant.now(), TOPIC, Payloads.payload(0), 1);
        AtomicReference<Exception> sendFailure = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig())) {
            producer.partitionsFor(topic);
            long firstSendNanos = System.nanoTime();
            for (long i = 0; i < records && sendFailure.get() == null; i++) {
                producer.send(record(topic, i, body), (metadata, error) -> {
                    if (error != null) {
                        sendFailure.compareAndSet(null, error);
                    } else {
                        acknowledged.incrementAndGet();
                    }
                });
            }
            producer.flush();
            if (sendFailure.get() != null) {
                throw new IllegalStateException("the Kafka baseline could not produce", sendFailure.get());
            }
            return firstSendNanos;
        }
    }

    /** Reads the topic from the end it had at start, counting records, until it has them all or the deadline passes. */
    private final class CountingConsumer implements Runnable {

        private final String topic;
        private final long records;
        private final long deadlineNanos;
        private final CountDownLatch assigned = new CountDownLatch(1);
        private final AtomicLong consumed = new AtomicLong();
        private final AtomicLong lastConsumedNanos = new AtomicLong();

        CountingConsumer(String topic, long records, long deadlineNanos) {
            this.topic = topic;
            this.records = records;
            this.deadlineNanos = deadlineNanos;
        }

        @Override
        public void run() {
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig())) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                        .map(info -> new TopicPartition(topic, info.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToEnd(partitions);
                partitions.forEach(consumer::position);
                assigned.countDown();
                while (consumed.get() < records && System.nanoTime() - deadlineNanos < 0) {
                    ConsumerRecords<byte[], byte[]> batch = consumer.poll(POLL);
                    if (!batch.isEmpty()) {
                        consumed.addAndGet(batch.count());
                        lastConsumedNanos.set(System.nanoTime());
                    }
                }
            }
        }
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, long sequence, byte[] body) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(DeliveryHeaders.EVENT_ID, utf8(UUID.randomUUID().toString()));
        headers.add(DeliveryHeaders.TOPIC, utf8(TOPIC));
        headers.add(DeliveryHeaders.PAYLOAD_VERSION, utf8("1"));
        headers.add(DeliveryHeaders.CREATED_AT, utf8(Instant.now().toString()));
        return new ProducerRecord<>(topic, null, utf8(Payloads.key(sequence)), body, headers);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private Map<String, Object> producerConfig() {
        return Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, LINGER_MS,
                ProducerConfig.BATCH_SIZE_CONFIG, BATCH_BYTES,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    }

    private Map<String, Object> consumerConfig() {
        return Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    }
}
