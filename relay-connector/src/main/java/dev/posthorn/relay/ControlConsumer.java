package dev.posthorn.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.posthorn.outbox.Subscriptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code <prefix>.control} actions to {@code posthorn_subscriptions} through outbox-writer; the
 * change then flows back through the WAL to {@code <prefix>.subscriptions}. At least once: a record's
 * offset is committed only after its action was applied, and applying {@code disable} twice is harmless.
 * A database failure rewinds to the failed record and pauses the partitions for a backoff, so the poll
 * loop never sleeps.
 *
 * <p>Runs on its own thread while this relay is the active one; {@link #close()} stops it with
 * {@link KafkaConsumer#wakeup()}.
 */
final class ControlConsumer implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControlConsumer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final Subscriptions subscriptions;
    private final OperationalEvents operational;
    private final Clock clock;
    private final Duration firstBackoff;
    private final Thread thread;
    private volatile boolean closed;

    ControlConsumer(RelayConfig config, Subscriptions subscriptions, OperationalEvents operational) {
        Map<String, Object> props = new HashMap<>(config.kafkaProperties());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.controlGroupId());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "posthorn-relay-control-" + config.slotName());
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.topic = config.controlTopic();
        this.subscriptions = subscriptions;
        this.operational = operational;
        this.clock = config.clock();
        this.firstBackoff = config.restartBackoff();
        this.thread = new Thread(this, "posthorn-relay-control");
    }

    private boolean started;

    void start() {
        started = true;
        thread.start();
    }

    @Override
    public void run() {
        Duration backoff = firstBackoff;
        Instant resumeAt = null;
        try {
            consumer.subscribe(List.of(topic));
            while (!closed) {
                if (resumeAt != null && !clock.instant().isBefore(resumeAt)) {
                    consumer.resume(consumer.paused());
                    resumeAt = null;
                }
                ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                boolean failed = false;
                for (TopicPartition partition : records.partitions()) {
                    for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
                        try {
                            apply(record);
                        } catch (SQLException e) {
                            log.warn("Control action at {}-{} offset {} not applied yet ({}); retrying in {} ms",
                                    record.topic(), record.partition(), record.offset(), e.getMessage(), backoff.toMillis());
                            consumer.seek(partition, record.offset());
                            consumer.pause(consumer.assignment());
                            resumeAt = clock.instant().plus(backoff);
                            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                            failed = true;
                            break;
                        }
                        consumer.commitSync(Map.of(partition, new OffsetAndMetadata(record.offset() + 1)));
                    }
                    if (failed) {
                        break;
                    }
                }
                if (!failed && !records.isEmpty()) {
                    backoff = firstBackoff;
                }
            }
        } catch (WakeupException e) {
            if (!closed) {
                throw e;
            }
        } catch (RuntimeException e) {
            log.error("Control consumer on {} stopped: {}", topic, e.toString(), e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) throws SQLException {
        JsonNode action;
        try {
            action = record.value() == null ? null : JSON.readTree(record.value());
        } catch (IOException e) {
            log.warn("Control record at {}-{} offset {} is not JSON; skipped", record.topic(), record.partition(),
                    record.offset());
            return;
        }
        if (action == null || !action.isObject()) {
            log.warn("Control record at {}-{} offset {} is not a JSON object; skipped", record.topic(),
                    record.partition(), record.offset());
            return;
        }
        String kind = action.path("action").asText("");
        String id = action.path("subscription_id").asText("");
        if (id.isEmpty() && record.key() != null) {
            id = new String(record.key(), StandardCharsets.UTF_8);
        }
        UUID subscriptionId;
        try {
            subscriptionId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            log.warn("Control record at {}-{} offset {} has no valid subscription_id ('{}'); skipped", record.topic(),
                    record.partition(), record.offset(), id);
            return;
        }
        if ("dead_lettered".equals(kind)) {
            Map<String, Object> payload = new java.util.LinkedHashMap<>();
            payload.put("event_id", action.path("event_id").asText(null));
            payload.put("subscription_id", subscriptionId.toString());
            payload.put("topic", action.path("topic").asText(null));
            payload.put("reason", action.path("reason").asText(null));
            payload.put("attempts", action.path("attempts").asInt(0));
            payload.put("last_status", action.path("last_status").isInt() ? action.get("last_status").asInt() : null);
            payload.put("last_error", action.path("last_error").asText(null));
            payload.put("at", action.path("at").asText(null));
            operational.deadLettered(payload, subscriptionId.toString());
            return;
        }
        if (!"disable".equals(kind)) {
            log.warn("Control action '{}' for subscription {} is not known to this relay; skipped", kind, subscriptionId);
            return;
        }
        String reason = action.path("reason").asText("disabled by the delivery consumer");
        var notify = record.headers().lastHeader("posthorn.notify");
        boolean announce = notify == null || !"false".equals(new String(notify.value(), StandardCharsets.UTF_8));
        var before = announce ? subscriptions.get(subscriptionId) : java.util.Optional.<dev.posthorn.outbox.Subscription>empty();
        if (before.isPresent() && before.get().enabled()) {
            // Announced first: a crash before the disable re-applies this record and announces again (at least once).
            operational.subscriptionDisabled(subscriptionId, before.get().url(), reason, OperationalEvents.cause(reason),
                    clock.instant());
        }
        boolean exists = subscriptions.disable(subscriptionId, reason);
        if (exists) {
            log.info("Disabled subscription {}: {}", subscriptionId, reason);
        } else {
            log.info("Control action disable for subscription {} ignored: no such subscription", subscriptionId);
        }
    }

    /** Stops the poll loop and waits for the thread, which closes the consumer. */
    @Override
    public void close() {
        closed = true;
        if (!started) {
            consumer.close(Duration.ZERO);
            return;
        }
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
