package dev.posthorn.delivery.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.posthorn.delivery.DeliveryConfig;
import dev.posthorn.delivery.DeliveryService;
import dev.posthorn.delivery.Topics;
import dev.posthorn.signature.CanonicalJson;
import dev.posthorn.signature.SecretCipher;
import dev.posthorn.signature.WebhookSecrets;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.TestScope;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Plays the relay for delivery tests: creates {@code <prefix>.events}, {@code .subscriptions} and
 * {@code .control}, and writes event and subscription records exactly in the contract's format.
 *
 * <pre>{@code
 * String sub = posthorn.subscription("invoice.*", receiver.url()).secret(secret).put();
 * SentEvent e = posthorn.event("invoice.created").key("inv-1").payload("{\"n\":1}").send();
 * }</pre>
 */
final class PosthornFixture implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    final KafkaBroker kafka;
    final TestScope scope;
    final Topics topics;
    final String secretKey = SecretCipher.generateKey();
    final SecretCipher cipher = SecretCipher.fromBase64Key(secretKey);
    final int eventPartitions;
    private final KafkaProducer<byte[], byte[]> producer;
    private final List<DeliveryService> services = new ArrayList<>();

    /** An event as written, to compare with what receivers got. */
    record SentEvent(String id, String topic, byte[] key, byte[] value, String traceparent) {}

    PosthornFixture(KafkaBroker kafka, TestScope scope, int eventPartitions) throws Exception {
        this.kafka = kafka;
        this.scope = scope;
        this.topics = new Topics(scope.topicPrefix());
        this.eventPartitions = eventPartitions;
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(
                    new NewTopic(topics.events(), eventPartitions, (short) 1),
                    new NewTopic(topics.subscriptions(), 1, (short) 1).configs(Map.of("cleanup.policy", "compact")),
                    new NewTopic(topics.control(), 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // The events topic was created a moment ago: a first send can meet NOT_LEADER_OR_FOLLOWER while the
        // broker takes up leadership, and with several batches of a partition in flight the broker then
        // took the later ones and refused the retried first for good (OUT_OF_ORDER_SEQUENCE_NUMBER until
        // the delivery timeout). One request in flight retries in order.
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A config for this test: its own prefix and group, loopback allowed, short tiers and timeouts. */
    DeliveryConfig.Builder config() {
        return DeliveryConfig.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .topicPrefix(scope.topicPrefix())
                .groupId(scope.unique("delivery"))
                .secretKey(secretKey)
                .partitions(eventPartitions)
                .allowLoopback(true)
                .retrySchedule(List.of(Duration.ofMillis(200), Duration.ofMillis(500)))
                .connectTimeout(Duration.ofSeconds(1))
                .responseTimeout(Duration.ofSeconds(3))
                .circuitFailureThreshold(10_000)
                .commitInterval(Duration.ofMillis(200))
                .drainTimeout(Duration.ofSeconds(5))
                .transientFailureLogLevel(org.slf4j.event.Level.INFO);
    }

    /** Starts a service and waits until it delivers; closed with the fixture. */
    DeliveryService start(DeliveryConfig config) throws InterruptedException {
        DeliveryService service = new DeliveryService(config);
        services.add(service);
        service.start();
        assertThat(service.awaitRunning(Duration.ofSeconds(60))).as("delivery service running").isTrue();
        return service;
    }

    SubscriptionBuilder subscription(String topic, URI url) {
        return new SubscriptionBuilder(topic, url);
    }

    EventBuilder event(String topic) {
        return new EventBuilder(topic);
    }

    /** Writes {@code count} events of {@code topic} with keys spread over 50 aggregates. */
    List<SentEvent> sendEvents(String topic, int count) throws Exception {
        List<SentEvent> sent = new ArrayList<>(count);
        List<java.util.concurrent.Future<?>> acks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            EventBuilder b = event(topic).key("agg-" + (i % 50)).payload("{\"n\":" + i + ",\"name\":\"caf\u00e9 " + i + "\"}");
            if (i % 3 == 0) {
                b.traceparent(String.format("00-%032x-%016x-01", i + 1, i + 1));
            }
            sent.add(b.build());
            acks.add(producer.send(b.record()));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        for (var ack : acks) {
            ack.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        return sent;
    }

    /** Writes events built earlier, in this order, and waits for every acknowledgement. */
    void sendAll(List<EventBuilder> events) throws Exception {
        List<java.util.concurrent.Future<?>> acks = new ArrayList<>(events.size());
        for (EventBuilder e : events) {
            acks.add(producer.send(e.record()));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        for (var ack : acks) {
            ack.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    /** Reads {@code topic} from the start until {@code enough} holds for what was read. */
    List<ConsumerRecord<byte[], byte[]>> read(String topic, Duration timeout,
                                               Predicate<List<ConsumerRecord<byte[], byte[]>>> enough) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!enough.test(records)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("timed out after " + timeout + " reading " + topic + "; got " + records.size());
                }
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
        }
        return records;
    }

    org.apache.kafka.clients.producer.RecordMetadata send(ProducerRecord<byte[], byte[]> record) throws Exception {
        return producer.send(record).get(30, TimeUnit.SECONDS);
    }

    static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        for (DeliveryService service : services) {
            service.close(Duration.ofSeconds(5));
        }
        producer.close(Duration.ofSeconds(5));
    }

    /** A subscription row as the relay publishes it on {@code <prefix>.subscriptions}. */
    final class SubscriptionBuilder {
        private final String topic;
        private final URI url;
        private String id = UUID.randomUUID().toString();
        private String secret = WebhookSecrets.generate();
        private String previousSecret;
        private Instant previousExpires;
        private boolean enabled = true;
        private String disabledReason;
        private boolean strictOrder;
        private String filter;
        private final Map<String, String> headers = new java.util.LinkedHashMap<>();
        private Integer rateLimit;
        private String signing;
        private String signingKey;
        private String previousSigningKey;

        SubscriptionBuilder(String topic, URI url) {
            this.topic = topic;
            this.url = url;
        }

        SubscriptionBuilder id(String v) { id = v; return this; }
        SubscriptionBuilder secret(String v) { secret = v; return this; }
        SubscriptionBuilder previousSecret(String v, Instant expires) { previousSecret = v; previousExpires = expires; return this; }
        SubscriptionBuilder disabled(String reason) { enabled = false; disabledReason = reason; return this; }
        SubscriptionBuilder strictOrder() { strictOrder = true; return this; }
        SubscriptionBuilder filter(String json) { filter = json; return this; }
        SubscriptionBuilder header(String name, String value) { headers.put(name, value); return this; }
        SubscriptionBuilder rateLimit(int perSecond) { rateLimit = perSecond; return this; }
        SubscriptionBuilder signing(String scheme, String key, String previousKey) {
            signing = scheme; signingKey = key; previousSigningKey = previousKey; return this;
        }

        /** Writes the record and returns the subscription id. */
        String put() throws Exception {
            write();
            return id;
        }

        /** Writes the record; returns where it landed. */
        org.apache.kafka.clients.producer.RecordMetadata write() throws Exception {
            ObjectNode v = JSON.createObjectNode();
            v.put("id", id);
            v.put("topic", topic);
            v.put("url", url.toString());
            v.put("secret", cipher.seal(id, secret));
            v.put("previous_secret", previousSecret == null ? null : cipher.seal(id, previousSecret));
            v.put("previous_secret_expires_at", previousExpires == null ? null : previousExpires.toString());
            v.put("enabled", enabled);
            v.put("disabled_reason", disabledReason);
            v.put("strict_order", strictOrder);
            v.put("updated_at", Instant.now().toString());
            if (filter != null) {
                v.set("filter", JSON.readTree(filter));
            }
            if (!headers.isEmpty()) {
                v.put("headers", cipher.seal(id + "#headers", JSON.writeValueAsString(headers)));
            }
            if (rateLimit != null) {
                v.put("rate_limit", rateLimit);
            }
            if (signing != null) {
                v.put("signing", signing);
                v.put("signing_key", signingKey == null ? null : cipher.seal(id + "#signing-key", signingKey));
                v.put("previous_signing_key", previousSigningKey == null ? null
                        : cipher.seal(id + "#signing-key", previousSigningKey));
            }
            return send(new ProducerRecord<>(topics.subscriptions(), id.getBytes(StandardCharsets.UTF_8),
                    JSON.writeValueAsBytes(v)));
        }

        void delete() throws Exception {
            send(new ProducerRecord<>(topics.subscriptions(), id.getBytes(StandardCharsets.UTF_8), null));
        }
    }

    /** An outbox event as the relay publishes it on {@code <prefix>.events}. */
    final class EventBuilder {
        private final String topic;
        private String id = UUID.randomUUID().toString();
        private String key = "agg-1";
        private String payload = "{}";
        private String traceparent;
        private Instant createdAt = Instant.parse("2026-03-01T12:00:00.123456Z");
        private int version = 1;
        private Long timestamp;
        private String subscriptionsThrough;

        EventBuilder(String topic) {
            this.topic = topic;
        }

        EventBuilder id(String v) { id = v; return this; }
        EventBuilder key(String v) { key = v; return this; }
        EventBuilder payload(String json) { payload = json; return this; }
        EventBuilder traceparent(String v) { traceparent = v; return this; }
        EventBuilder version(int v) { version = v; return this; }
        /** The record's timestamp as the relay's clock would stamp it (default: the producer's now). */
        EventBuilder timestamp(Instant v) { timestamp = v.toEpochMilli(); return this; }
        /** The relay's stamp: how far the subscriptions topic reached, {@code <partition>:<offset>[,...]}. */
        EventBuilder subscriptionsThrough(String v) { subscriptionsThrough = v; return this; }

        SentEvent build() {
            String envelope = "{\"created_at\":\"" + createdAt + "\",\"payload\":" + payload + ",\"topic\":\"" + topic
                    + "\",\"version\":" + version + "}";
            return new SentEvent(id, topic, key.getBytes(StandardCharsets.UTF_8), CanonicalJson.canonicalBytes(envelope),
                    traceparent);
        }

        ProducerRecord<byte[], byte[]> record() {
            SentEvent e = build();
            ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topics.events(), null, timestamp, e.key(), e.value());
            r.headers().add(new RecordHeader("posthorn.event_id", utf8(id)));
            r.headers().add(new RecordHeader("posthorn.topic", utf8(topic)));
            r.headers().add(new RecordHeader("posthorn.payload_version", utf8(Integer.toString(version))));
            r.headers().add(new RecordHeader("posthorn.created_at", utf8(createdAt.toString())));
            if (traceparent != null) {
                r.headers().add(new RecordHeader("traceparent", utf8(traceparent)));
            }
            if (subscriptionsThrough != null) {
                r.headers().add(new RecordHeader("posthorn.subscriptions_through", utf8(subscriptionsThrough)));
            }
            return r;
        }

        SentEvent send() throws Exception {
            PosthornFixture.this.send(record());
            return build();
        }

        private static byte[] utf8(String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
    }
}
