package dev.posthorn.relay;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt at streaming: a Kafka producer, a Debezium engine and the thread that runs it. Owns all
 * three and closes them in {@link #close(long)}; a new run is started after any failure, so a producer
 * that saw an error is never reused.
 */
final class EngineRun {

    private static final Logger log = LoggerFactory.getLogger(EngineRun.class);
    private static final Duration WATERMARK_TIMEOUT = Duration.ofSeconds(30);

    /** How the run ended: {@code error} is null for a clean stop. */
    record Outcome(boolean success, String message, Throwable error) {}

    private final KafkaProducer<byte[], byte[]> producer;
    private final DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private final Thread thread;
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private volatile boolean taskStarted;
    private volatile boolean stopping;

    EngineRun(RelayConfig config, RelayMetrics metrics, int attempt) {
        this.producer = new KafkaProducer<>(producerConfig(config), new ByteArraySerializer(), new ByteArraySerializer());
        try {
            ChangeMapper mapper = new ChangeMapper(config.schema(), config.eventsTopic(), config.subscriptionsTopic(),
                    config.relayDlqTopic());
            KafkaChangeConsumer consumer = new KafkaChangeConsumer(producer, mapper, metrics,
                    () -> subscriptionsEndOffsets(config), () -> stopping);
            this.engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                    .using(DebeziumSettings.of(config))
                    .notifying(consumer)
                    .using((success, message, error) -> outcome.complete(new Outcome(success, message, error)))
                    .using(new DebeziumEngine.ConnectorCallback() {
                        @Override
                        public void taskStarted() {
                            taskStarted = true;
                        }
                    })
                    .build();
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        this.thread = new Thread(() -> {
            try {
                engine.run();
            } finally {
                outcome.complete(new Outcome(false, "engine thread ended", null));
            }
        }, "posthorn-relay-engine-" + attempt);
    }

    /**
     * Where the subscriptions topic ends before this run relays anything: every change an earlier run
     * relayed is below it. Events are stamped with it until this run's own changes move it.
     */
    private static Map<Integer, Long> subscriptionsEndOffsets(RelayConfig config) {
        Map<String, Object> p = new HashMap<>(config.kafkaProperties());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap());
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "posthorn-relay-" + config.slotName() + "-watermark");
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(config.subscriptionsTopic(), WATERMARK_TIMEOUT).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition()))
                    .toList();
            Map<Integer, Long> end = new HashMap<>();
            consumer.endOffsets(partitions, WATERMARK_TIMEOUT).forEach((tp, offset) -> end.put(tp.partition(), offset));
            return end;
        }
    }

    static Map<String, Object> producerConfig(RelayConfig config) {
        Map<String, Object> p = new HashMap<>(config.kafkaProperties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.LINGER_MS_CONFIG, config.lingerMs());
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, config.producerBatchBytes());
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, config.deliveryTimeout().toMillis()));
        p.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "posthorn-relay-" + config.slotName());
        return p;
    }

    void start() {
        thread.start();
    }

    boolean taskStarted() {
        return taskStarted;
    }

    boolean finished() {
        return outcome.isDone();
    }

    /** Null until the engine ended. */
    Outcome outcome() {
        return outcome.getNow(null);
    }

    /**
     * Stops the engine (Debezium commits the offsets of everything marked processed), waits for its
     * thread, then closes the producer. Batches still waiting for acknowledgements are abandoned
     * unmarked and re-read by the next run.
     */
    void close(long deadlineNanos) {
        stopping = true;
        if (thread.isAlive() || !outcome.isDone()) {
            closeEngine(deadlineNanos);
        }
        try {
            thread.join(Math.max(1, remainingMillis(deadlineNanos)));
            if (thread.isAlive()) {
                log.warn("Debezium engine did not stop in time; interrupting {}", thread.getName());
                thread.interrupt();
                thread.join(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofMillis(Math.max(0, Math.min(2000, remainingMillis(deadlineNanos)))));
    }

    private void closeEngine(long deadlineNanos) {
        while (true) {
            try {
                engine.close();
                return;
            } catch (IllegalStateException e) {
                // "Cannot stop engine while tasks are starting": wait for the start to finish.
                if (outcome.isDone() || String.valueOf(e.getMessage()).contains("already")) {
                    return;
                }
                if (remainingMillis(deadlineNanos) <= 0) {
                    log.warn("Debezium engine still starting at the stop deadline: {}", e.getMessage());
                    return;
                }
                try {
                    outcome.get(100, TimeUnit.MILLISECONDS);
                    return;
                } catch (java.util.concurrent.TimeoutException waitMore) {
                    // try closing again
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (java.util.concurrent.ExecutionException impossible) {
                    return;
                }
            } catch (IOException e) {
                log.warn("Debezium engine failed to close cleanly: {}", e.toString());
                return;
            }
        }
    }

    private static long remainingMillis(long deadlineNanos) {
        return TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    }
}
