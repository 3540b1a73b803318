package dev.posthorn.delivery.subscriptions;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.posthorn.filter.EventFilter;
import dev.posthorn.filter.InvalidFilterException;
import dev.posthorn.signature.CustomHeaders;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import dev.posthorn.delivery.FollowerThread;
import dev.posthorn.signature.SecretCipherException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BinaryOperator;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscriptions the consumer delivers to, followed live from the compacted
 * {@code <prefix>.subscriptions} topic by a thread of its own (it owns its consumer). It reads the
 * topic to its end before {@link #awaitLoaded} returns, then keeps applying changes: added,
 * removed (tombstone), disabled, rotated subscriptions take effect without a restart.
 *
 * <p>Readers get an immutable snapshot; a 410 disables a subscription locally at once
 * ({@link #disableLocally}) until a record newer than that moment arrives from the table.
 */
public final class SubscriptionRegistry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SubscriptionRegistry.class);
    /** Exact decimals: a filter's numbers reach {@link EventFilter} as written. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

    private final String topic;
    private final Map<String, Object> consumerProperties;
    private final BinaryOperator<String> secretOpener;
    private final Map<String, Subscription> fromTopic = new HashMap<>();
    private final Map<String, LocalDisable> localDisables = new ConcurrentHashMap<>();
    private final CountDownLatch loaded = new CountDownLatch(1);
    /**
     * Wall-clock millis: every subscription change Kafka had acknowledged by then is applied.
     * Events produced before this instant can be fanned out without missing a subscription.
     */
    private volatile long currentAsOf = Long.MIN_VALUE;
    /** Per partition, the offset the view has read (and applied) up to: what relay-stamped events need. */
    private final Map<Integer, Long> readThrough = new ConcurrentHashMap<>();
    /**
     * When {@link #currentAsOf()} was last asked (nanoTime): only events of a relay that does not stamp
     * need it, and keeping it fresh costs an end-offsets request per follow step.
     */
    private volatile long timeViewWantedAt = System.nanoTime() - TIME_VIEW_IDLE.toNanos();
    private volatile Snapshot snapshot = new Snapshot(Map.of());
    private final FollowerThread follower = new FollowerThread("posthorn-subscriptions");
    private volatile RuntimeException failure;

    private record LocalDisable(String reason, Instant at) {}

    /**
     * @param topic              the subscriptions topic
     * @param consumerProperties bootstrap servers and any client settings; no group is used
     * @param secretOpener       opens the sealed secret of a subscription, given (subscription id, sealed value)
     *                           ({@code SecretCipher::open}); throws when it cannot
     */
    /** How long a caught-up follower waits for new changes before asking for the end offsets again. */
    private static final Duration FOLLOW_POLL = Duration.ofMillis(10);
    /** After this long without a question about {@link #currentAsOf}, the follower stops keeping it fresh. */
    private static final Duration TIME_VIEW_IDLE = Duration.ofSeconds(10);
    /** Bound on one metadata or offsets request: a broker outage is reported and retried, never waited out. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    public SubscriptionRegistry(String topic, Map<String, Object> consumerProperties, BinaryOperator<String> secretOpener) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.consumerProperties = Map.copyOf(consumerProperties);
        this.secretOpener = Objects.requireNonNull(secretOpener, "secretOpener");
    }

    /** Starts following the topic on a thread of its own. */
    public void start() {
        follower.start(this::follow);
    }

    /** Waits until the topic was read to the end it had at start; false on timeout. */
    public boolean awaitLoaded(Duration timeout) throws InterruptedException {
        boolean done = loaded.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (failure != null) {
            throw new IllegalStateException("cannot read " + topic, failure);
        }
        return done;
    }

    /**
     * See {@link #currentAsOf}: the wall-clock time up to which the view is known complete. For events
     * without the relay's stamp; asking keeps it fresh for a while (see {@link #hasRead} for stamped ones).
     */
    public long currentAsOf() {
        timeViewWantedAt = System.nanoTime();
        return currentAsOf;
    }

    /**
     * True once the view has read and applied each partition of the topic up to the offset given for
     * it (the relay's stamp on an event: every subscription change relayed before the event is below).
     */
    public boolean hasRead(Map<Integer, Long> offsets) {
        for (Map.Entry<Integer, Long> e : offsets.entrySet()) {
            if (readThrough.getOrDefault(e.getKey(), -1L) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Enabled, not locally disabled subscriptions whose topic matches {@code eventTopic}. */
    public List<Subscription> matching(String eventTopic) {
        return snapshot.matching(eventTopic);
    }

    /** The subscription as currently known (disabled ones included), or empty when deleted/unknown. */
    public Optional<Subscription> get(String id) {
        return Optional.ofNullable(snapshot.byId.get(id));
    }

    public int size() {
        return snapshot.byId.size();
    }

    /**
     * Stops delivering to {@code id} at once, before the disable has gone round through the table:
     * used after a 410. A later record from the table (updated after {@code at}) wins again.
     */
    public void disableLocally(String id, String reason, Instant at) {
        localDisables.put(id, new LocalDisable(reason, at));
        synchronized (fromTopic) {
            rebuild();
        }
    }

    private void follow() {
        // The broker answers one request per connection at a time, so a fetch parked there (the default
        // 500 ms, which keeps an idle follower at two fetches a second) would hold up an end-offsets
        // request behind it, and with it currentAsOf. End offsets are asked for on a connection of
        // their own, opened only once the time-based view is wanted (events of a relay that does not
        // stamp them).
        Map<String, Object> offsetsProperties = new HashMap<>(consumerProperties);
        offsetsProperties.computeIfPresent(ConsumerConfig.CLIENT_ID_CONFIG, (key, id) -> id + "-offsets");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                     consumerProperties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             LazyEndOffsets offsets = new LazyEndOffsets(offsetsProperties)) {
            List<TopicPartition> partitions = new ArrayList<>();
            Map<TopicPartition, Long> end = new HashMap<>();
            Map<TopicPartition, Long> target = new HashMap<>();
            boolean assigned = false;
            boolean caughtUp = false;
            long askedAt = 0;
            while (follower.running()) {
                try {
                    if (!assigned) {
                        partitions.clear();
                        for (PartitionInfo info : consumer.partitionsFor(topic, REQUEST_TIMEOUT)) {
                            partitions.add(new TopicPartition(topic, info.partition()));
                        }
                        consumer.assign(partitions);
                        consumer.seekToBeginning(partitions);
                        askedAt = System.currentTimeMillis();
                        end.putAll(consumer.endOffsets(partitions, REQUEST_TIMEOUT));
                        target.putAll(end);
                        assigned = true;
                        log.info("Loading subscriptions from {} ({} partitions)", topic, partitions.size());
                    }
                    ConsumerRecords<byte[], byte[]> records =
                            consumer.poll(caughtUp && timeViewWanted() ? FOLLOW_POLL : Duration.ofMillis(200));
                    if (!records.isEmpty()) {
                        synchronized (fromTopic) {
                            for (ConsumerRecord<byte[], byte[]> record : records) {
                                apply(record);
                            }
                            rebuild();
                        }
                    }
                    if (!caughtUp && reached(consumer, end)) {
                        caughtUp = true;
                        log.info("Loaded {} subscriptions from {}", snapshot.byId.size(), topic);
                        loaded.countDown();
                    }
                    if (caughtUp) {
                        for (TopicPartition tp : partitions) {
                            readThrough.put(tp.partition(), consumer.position(tp, REQUEST_TIMEOUT));
                        }
                    }
                    // Reached the end offsets asked for at askedAt: everything acknowledged before then is applied.
                    if (timeViewWanted() && reached(consumer, target)) {
                        currentAsOf = askedAt;
                        askedAt = System.currentTimeMillis();
                        target.putAll(offsets.of(partitions));
                        // Mostly nothing changed meanwhile: then the view is current as of the new askedAt at
                        // once, a round trip behind the clock rather than a poll and a round trip.
                        if (reached(consumer, target)) {
                            currentAsOf = askedAt;
                        }
                    }
                    follower.succeeded();
                } catch (WakeupException e) {
                    throw e;
                } catch (KafkaException e) {
                    follower.failed("following " + topic, e);
                }
            }
        } catch (WakeupException e) {
            // close() asked us to stop
        } catch (RuntimeException e) {
            failure = e;
            log.error("Stopped following {}: subscription changes no longer take effect", topic, e);
            loaded.countDown();
        }
    }

    /** A consumer used only for end offsets, opened on first use and closed with the follower. */
    private static final class LazyEndOffsets implements AutoCloseable {
        private final Map<String, Object> properties;
        private KafkaConsumer<byte[], byte[]> consumer;

        LazyEndOffsets(Map<String, Object> properties) {
            this.properties = properties;
        }

        Map<TopicPartition, Long> of(List<TopicPartition> partitions) {
            if (consumer == null) {
                consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            }
            return consumer.endOffsets(partitions, REQUEST_TIMEOUT);
        }

        @Override
        public void close() {
            if (consumer != null) {
                consumer.close();
            }
        }
    }

    /** What keeps the view from following the topic (a broker outage), or null while it follows. */
    public String problem() {
        return follower.problem();
    }

    /** Drops the partitions whose position has reached their offset in {@code ends}; true once none are left. */
    private boolean timeViewWanted() {
        return System.nanoTime() - timeViewWantedAt < TIME_VIEW_IDLE.toNanos();
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> ends) {
        ends.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
        return ends.isEmpty();
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        if (record.value() == null) {
            if (key != null && fromTopic.remove(key) != null) {
                log.info("Subscription {} deleted", key);
            }
            if (key != null) {
                localDisables.remove(key);
            }
            return;
        }
        Subscription parsed;
        try {
            parsed = parse(record.value());
        } catch (IOException | RuntimeException e) {
            log.error("Ignoring unreadable record for subscription {} at {}-{}@{}: {}",
                    key, record.topic(), record.partition(), record.offset(), e.getMessage());
            return;
        }
        LocalDisable local = localDisables.get(parsed.id());
        if (local != null && parsed.updatedAt() != null && parsed.updatedAt().isAfter(local.at())) {
            localDisables.remove(parsed.id());
        }
        Subscription previous = fromTopic.put(parsed.id(), parsed);
        if (previous == null) {
            log.info("Subscription {} added: {}", parsed.id(), parsed);
        } else {
            log.info("Subscription {} changed: {}", parsed.id(), parsed);
        }
        if (parsed.problem() != null) {
            log.error("Subscription {} cannot be delivered to: {}", parsed.id(), parsed.problem());
        }
    }

    /** Parses the contract's subscription JSON and opens its secrets. */
    Subscription parse(byte[] value) throws IOException {
        JsonNode node = JSON.readTree(value);
        String id = text(node, "id");
        if (id == null) {
            throw new IOException("no id");
        }
        String topicPattern = text(node, "topic");
        if (topicPattern == null) {
            throw new IOException("no topic");
        }
        List<String> problems = new ArrayList<>();
        URI url = null;
        String rawUrl = text(node, "url");
        try {
            url = rawUrl == null ? null : URI.create(rawUrl);
            if (url == null || url.getHost() == null
                    || !("http".equalsIgnoreCase(url.getScheme()) || "https".equalsIgnoreCase(url.getScheme()))) {
                problems.add("url is not an absolute http(s) URL with a host");
                url = null;
            }
        } catch (IllegalArgumentException e) {
            problems.add("url is not a valid URI");
        }
        String secret = open(id, text(node, "secret"), "secret", problems);
        String previous = text(node, "previous_secret") == null ? null
                : open(id, text(node, "previous_secret"), "previous_secret", problems);
        boolean enabled = !node.has("enabled") || node.get("enabled").asBoolean(true);
        EventFilter filter = filter(node.get("filter"), problems);
        Map<String, String> headers = headers(id, node.get("headers"), problems);
        int rateLimit = rateLimit(node.get("rate_limit"), problems);
        String signing = text(node, "signing") == null ? "hmac" : text(node, "signing");
        String signingKey = null;
        String previousSigningKey = null;
        if (!List.of("hmac", "ed25519", "both").contains(signing)) {
            problems.add("signing is not hmac, ed25519 or both");
        } else if (!signing.equals("hmac")) {
            // Keys are bound to <id>#signing-key, apart from the secret's binding.
            signingKey = open(id + "#signing-key", text(node, "signing_key"), "signing_key", problems);
            previousSigningKey = text(node, "previous_signing_key") == null ? null
                    : open(id + "#signing-key", text(node, "previous_signing_key"), "previous_signing_key", problems);
        }
        return new Subscription(id, topicPattern, url, secret, previous,
                instant(node, "previous_secret_expires_at"), enabled, text(node, "disabled_reason"),
                node.path("strict_order").asBoolean(false), instant(node, "updated_at"),
                problems.isEmpty() ? null : String.join("; ", problems), filter, headers, rateLimit, signing, signingKey,
                previousSigningKey);
    }

    /** Options are checked again here: a row written by another tool must not send a forged header. */
    private static EventFilter filter(JsonNode node, List<String> problems) throws IOException {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            problems.add("filter is not a JSON object");
            return null;
        }
        try {
            return EventFilter.parse(JSON.writeValueAsString(node));
        } catch (InvalidFilterException e) {
            problems.add("filter: " + e.getMessage());
            return null;
        }
    }

    /** Custom headers travel sealed (their values may be credentials), bound to {@code <id>#headers}. */
    private Map<String, String> headers(String id, JsonNode sealed, List<String> problems) throws IOException {
        if (sealed == null || sealed.isNull()) {
            return Map.of();
        }
        if (!sealed.isTextual()) {
            problems.add("headers are not sealed");
            return Map.of();
        }
        String opened = open(id + "#headers", sealed.asText(), "headers", problems);
        if (opened == null) {
            return Map.of();
        }
        JsonNode node = JSON.readTree(opened);
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        if (node == null || !node.isObject()) {
            problems.add("headers is not a JSON object");
            return Map.of();
        }
        var fields = node.fields();
        while (fields.hasNext()) {
            var field = fields.next();
            if (!field.getValue().isTextual()) {
                problems.add("headers: header '" + field.getKey() + "' needs a string value");
                return Map.of();
            }
            headers.put(field.getKey(), field.getValue().asText());
        }
        Optional<String> problem = CustomHeaders.problem(headers);
        if (problem.isPresent()) {
            problems.add("headers: " + problem.get());
            return Map.of();
        }
        return headers;
    }

    private static int rateLimit(JsonNode node, List<String> problems) {
        if (node == null || node.isNull()) {
            return 0;
        }
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < 1) {
            problems.add("rate_limit is not a positive whole number of requests per second");
            return 0;
        }
        return node.asInt();
    }

    private String open(String id, String sealed, String field, List<String> problems) {
        if (sealed == null) {
            problems.add(field + " is missing");
            return null;
        }
        try {
            return secretOpener.apply(id, sealed);
        } catch (SecretCipherException e) {
            // SecretCipher's own messages are fixed texts that never contain the value or the key.
            problems.add(field + ": " + e.getMessage());
            return null;
        } catch (RuntimeException e) {
            // The cause's message is not logged: a cipher error must never echo key material.
            problems.add(field + " cannot be opened with the configured secret key (" + e.getClass().getSimpleName() + ")");
            return null;
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static Instant instant(JsonNode node, String field) throws IOException {
        String text = text(node, field);
        try {
            return text == null ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IOException(field + " is not an ISO-8601 instant", e);
        }
    }

    private void rebuild() {
        Map<String, Subscription> view = new HashMap<>(fromTopic);
        for (Map.Entry<String, LocalDisable> local : localDisables.entrySet()) {
            view.computeIfPresent(local.getKey(), (id, s) -> s.disabled(local.getValue().reason()));
        }
        snapshot = new Snapshot(view);
    }

    @Override
    public void close() {
        follower.stop(Duration.ofSeconds(5));
    }

    /** An immutable view; matching lists are computed once per event topic. */
    private static final class Snapshot {
        final Map<String, Subscription> byId;
        final Map<String, List<Subscription>> byTopic = new ConcurrentHashMap<>();

        Snapshot(Map<String, Subscription> byId) {
            this.byId = Map.copyOf(byId);
        }

        List<Subscription> matching(String eventTopic) {
            return byTopic.computeIfAbsent(eventTopic, t -> select(byId.values(), t));
        }

        private static List<Subscription> select(Collection<Subscription> all, String eventTopic) {
            List<Subscription> result = new ArrayList<>();
            for (Subscription s : all) {
                if (s.enabled() && s.matches(eventTopic)) {
                    result.add(s);
                }
            }
            result.sort((a, b) -> a.id().compareTo(b.id()));
            return List.copyOf(result);
        }
    }
}
