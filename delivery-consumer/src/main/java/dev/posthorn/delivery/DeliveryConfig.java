package dev.posthorn.delivery;

import dev.posthorn.delivery.guard.DestinationPolicy;
import dev.posthorn.delivery.guard.HostResolver;
import dev.posthorn.delivery.retry.RetrySchedule;
import dev.posthorn.signature.SecretCipher;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;
import org.slf4j.event.Level;

/**
 * Everything the delivery consumer is configured with, validated once by {@link Builder#build()}.
 * Build it with {@link #builder()}; every default is written in the builder where the field is set.
 *
 * @param bootstrapServers        Kafka bootstrap servers; required
 * @param topicPrefix             prefix of every Posthorn topic; default {@code posthorn}
 * @param groupId                 consumer group of the delivery instances; default {@code posthorn-delivery}
 * @param secretKey               base64 AES-256 key that opens subscription secrets ({@code POSTHORN_SECRET_KEY}); required
 * @param retrySchedule           delay tiers, one retry topic each; default 5 s, 30 s, 2 min, 10 min, 1 h, 6 h
 * @param retryJitter             ± fraction applied to each tier's delay; default 0.20
 * @param retryAfterMax           upper clamp of a 429/503 {@code Retry-After}; default 1 h
 * @param connectTimeout          TCP connect timeout; default 5 s
 * @param responseTimeout         wait for response bytes; default 15 s
 * @param requestTimeout          one total deadline per request, from connecting to the last response byte
 *                                (a receiver that trickles bytes is cut off there); default 30 s
 * @param maxInFlight             concurrent HTTP deliveries per instance (until their outcome is durable); default
 *                                256. Deliveries that only write an outcome (parked, dead-lettered) have as many again.
 * @param maxInFlightPerEndpoint  concurrent deliveries per endpoint (scheme://host:port); default 16
 * @param maxQueuedPerEndpoint    deliveries waiting for one slow endpoint (queue not moving for longer than responseTimeout) before more are parked on the next retry tier; default 1000
 * @param circuitFailureThreshold consecutive failures that open an endpoint's circuit; default 20
 * @param circuitOpenDuration     how long an open circuit waits before a half-open probe; default 30 s
 * @param inboxDedupeWindow       how long inbox markers suppress duplicates (inbox topic retention); default 24 h
 * @param allowList               CIDRs, addresses or host names the SSRF guard lets through although not public; default none
 * @param allowLoopback           dev mode: let loopback destinations through; default false
 * @param partitions              partitions of the retry and DLQ topics this service creates; default 6
 * @param replicationFactor       replication factor of the topics this service creates; default 1
 * @param dlqRetention            retention of the DLQ topic; default 30 days
 * @param userAgentVersion        {@code User-Agent: Posthorn/<version>}; default {@value #DEFAULT_USER_AGENT_VERSION}
 * @param drainTimeout            how long {@link DeliveryService#close()} waits for deliveries in flight; default 10 s
 * @param maxPollRecords          Kafka {@code max.poll.records}; default 500
 * @param commitInterval          how often durable offsets are committed; default 1 s
 * @param kafkaProperties         extra client settings (security, …) passed to every Kafka client; default none
 * @param transientFailureLogLevel level of the log line per retried failure; default DEBUG
 * @param clock                   time for signatures, due times, circuit breakers, markers; default UTC system clock
 * @param listener                observability events; default none
 * @param hostResolver            host name lookup before the SSRF guard; default the system resolver
 * @param jitterRandom            random numbers in [0, 1) for retry jitter; default {@link ThreadLocalRandom}
 * @param attemptsRetention       retention of the delivery log {@code <prefix>.attempts}; default 7 days
 * @param disableAfter            disable a subscription whose every attempt failed for this long; default 5 days
 * @param attemptResponseBytes    bytes of each response body kept in its attempt record, 0 to {@value #MAX_ATTEMPT_RESPONSE_BYTES}; default 1024
 */
public record DeliveryConfig(
        String bootstrapServers,
        String topicPrefix,
        String groupId,
        String secretKey,
        List<Duration> retrySchedule,
        double retryJitter,
        Duration retryAfterMax,
        Duration connectTimeout,
        Duration responseTimeout,
        Duration requestTimeout,
        int maxInFlight,
        int maxInFlightPerEndpoint,
        int maxQueuedPerEndpoint,
        int circuitFailureThreshold,
        Duration circuitOpenDuration,
        Duration inboxDedupeWindow,
        List<String> allowList,
        boolean allowLoopback,
        int partitions,
        short replicationFactor,
        Duration dlqRetention,
        String userAgentVersion,
        Duration drainTimeout,
        int maxPollRecords,
        Duration commitInterval,
        Map<String, String> kafkaProperties,
        Level transientFailureLogLevel,
        Clock clock,
        DeliveryListener listener,
        HostResolver hostResolver,
        DoubleSupplier jitterRandom,
        Duration attemptsRetention,
        int attemptResponseBytes,
        Duration disableAfter) {

    /** The most of a response body an attempt record keeps (what the HTTP client reads of it for the log). */
    public static final int MAX_ATTEMPT_RESPONSE_BYTES = 1024;
    public static final String DEFAULT_USER_AGENT_VERSION = "0.1.0";
    private static final Pattern TOPIC_PREFIX = Pattern.compile("[a-zA-Z0-9._-]{1,200}");

    public DeliveryConfig {
        retrySchedule = List.copyOf(retrySchedule);
        allowList = List.copyOf(allowList);
        kafkaProperties = Map.copyOf(kafkaProperties);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's values, to change a few. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    public Topics topics() {
        return new Topics(topicPrefix);
    }

    public RetrySchedule schedule() {
        return new RetrySchedule(retrySchedule, retryJitter);
    }

    public DestinationPolicy destinationPolicy() {
        return DestinationPolicy.of(allowList, allowLoopback);
    }

    @Override
    public String toString() {
        return "DeliveryConfig[bootstrapServers=" + bootstrapServers + ", topicPrefix=" + topicPrefix
                + ", groupId=" + groupId + ", secretKey=<redacted>, retrySchedule=" + retrySchedule
                + ", retryJitter=" + retryJitter + ", retryAfterMax=" + retryAfterMax
                + ", connectTimeout=" + connectTimeout + ", responseTimeout=" + responseTimeout
                + ", requestTimeout=" + requestTimeout
                + ", maxInFlight=" + maxInFlight + ", maxInFlightPerEndpoint=" + maxInFlightPerEndpoint
                + ", maxQueuedPerEndpoint=" + maxQueuedPerEndpoint
                + ", circuitFailureThreshold=" + circuitFailureThreshold + ", circuitOpenDuration=" + circuitOpenDuration
                + ", inboxDedupeWindow=" + inboxDedupeWindow + ", allowList=" + allowList
                + ", allowLoopback=" + allowLoopback + ", partitions=" + partitions
                + ", replicationFactor=" + replicationFactor + ", dlqRetention=" + dlqRetention
                + ", userAgentVersion=" + userAgentVersion + ", drainTimeout=" + drainTimeout
                + ", maxPollRecords=" + maxPollRecords + ", commitInterval=" + commitInterval
                + ", kafkaProperties=" + kafkaProperties.keySet() + ", attemptsRetention=" + attemptsRetention
                + ", attemptResponseBytes=" + attemptResponseBytes + ", disableAfter=" + disableAfter + "]";
    }

    /** Thrown by {@link Builder#build()} with every problem, each keyed by the field's name. */
    public static final class InvalidConfigException extends IllegalArgumentException {

        private final Map<String, String> problems;

        InvalidConfigException(Map<String, String> problems) {
            super("invalid delivery configuration: " + describe(problems));
            this.problems = Map.copyOf(problems);
        }

        /** Field name → what is wrong with it. */
        public Map<String, String> problems() {
            return problems;
        }

        private static String describe(Map<String, String> problems) {
            List<String> parts = new ArrayList<>();
            problems.forEach((field, problem) -> parts.add(field + ": " + problem));
            return String.join("; ", parts);
        }
    }

    /** Mutable builder; each field starts at its default. */
    public static final class Builder {
        private String bootstrapServers;
        private String topicPrefix = "posthorn";
        private String groupId = "posthorn-delivery";
        private String secretKey;
        private List<Duration> retrySchedule = RetrySchedule.DEFAULT_TIERS;
        private double retryJitter = RetrySchedule.DEFAULT_JITTER;
        private Duration retryAfterMax = Duration.ofHours(1);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration responseTimeout = Duration.ofSeconds(15);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private int maxInFlight = 256;
        private int maxInFlightPerEndpoint = 16;
        private int maxQueuedPerEndpoint = 1000;
        private int circuitFailureThreshold = 20;
        private Duration circuitOpenDuration = Duration.ofSeconds(30);
        private Duration inboxDedupeWindow = Duration.ofHours(24);
        private List<String> allowList = List.of();
        private boolean allowLoopback = false;
        private int partitions = 6;
        private short replicationFactor = 1;
        private Duration dlqRetention = Duration.ofDays(30);
        private String userAgentVersion = DEFAULT_USER_AGENT_VERSION;
        private Duration drainTimeout = Duration.ofSeconds(10);
        private int maxPollRecords = 500;
        private Duration commitInterval = Duration.ofSeconds(1);
        private Map<String, String> kafkaProperties = Map.of();
        private Level transientFailureLogLevel = Level.DEBUG;
        private Clock clock = Clock.systemUTC();
        private DeliveryListener listener = DeliveryListener.NONE;
        private HostResolver hostResolver = HostResolver.SYSTEM;
        private DoubleSupplier jitterRandom = () -> ThreadLocalRandom.current().nextDouble();
        private Duration attemptsRetention = Duration.ofDays(7);
        private int attemptResponseBytes = MAX_ATTEMPT_RESPONSE_BYTES;
        private Duration disableAfter = Duration.ofDays(5);

        Builder() {}

        Builder(DeliveryConfig c) {
            bootstrapServers = c.bootstrapServers;
            topicPrefix = c.topicPrefix;
            groupId = c.groupId;
            secretKey = c.secretKey;
            retrySchedule = c.retrySchedule;
            retryJitter = c.retryJitter;
            retryAfterMax = c.retryAfterMax;
            connectTimeout = c.connectTimeout;
            responseTimeout = c.responseTimeout;
            requestTimeout = c.requestTimeout;
            maxInFlight = c.maxInFlight;
            maxInFlightPerEndpoint = c.maxInFlightPerEndpoint;
            maxQueuedPerEndpoint = c.maxQueuedPerEndpoint;
            circuitFailureThreshold = c.circuitFailureThreshold;
            circuitOpenDuration = c.circuitOpenDuration;
            inboxDedupeWindow = c.inboxDedupeWindow;
            allowList = c.allowList;
            allowLoopback = c.allowLoopback;
            partitions = c.partitions;
            replicationFactor = c.replicationFactor;
            dlqRetention = c.dlqRetention;
            userAgentVersion = c.userAgentVersion;
            drainTimeout = c.drainTimeout;
            maxPollRecords = c.maxPollRecords;
            commitInterval = c.commitInterval;
            kafkaProperties = c.kafkaProperties;
            transientFailureLogLevel = c.transientFailureLogLevel;
            clock = c.clock;
            listener = c.listener;
            hostResolver = c.hostResolver;
            jitterRandom = c.jitterRandom;
            attemptsRetention = c.attemptsRetention;
            attemptResponseBytes = c.attemptResponseBytes;
            disableAfter = c.disableAfter;
        }

        public Builder bootstrapServers(String v) { bootstrapServers = v; return this; }
        public Builder topicPrefix(String v) { topicPrefix = v; return this; }
        public Builder groupId(String v) { groupId = v; return this; }
        public Builder secretKey(String v) { secretKey = v; return this; }
        public Builder retrySchedule(List<Duration> v) { retrySchedule = v; return this; }
        public Builder retryJitter(double v) { retryJitter = v; return this; }
        public Builder retryAfterMax(Duration v) { retryAfterMax = v; return this; }
        public Builder connectTimeout(Duration v) { connectTimeout = v; return this; }
        public Builder responseTimeout(Duration v) { responseTimeout = v; return this; }
        public Builder requestTimeout(Duration v) { requestTimeout = v; return this; }
        public Builder maxInFlight(int v) { maxInFlight = v; return this; }
        public Builder maxInFlightPerEndpoint(int v) { maxInFlightPerEndpoint = v; return this; }
        public Builder maxQueuedPerEndpoint(int v) { maxQueuedPerEndpoint = v; return this; }
        public Builder circuitFailureThreshold(int v) { circuitFailureThreshold = v; return this; }
        public Builder circuitOpenDuration(Duration v) { circuitOpenDuration = v; return this; }
        public Builder inboxDedupeWindow(Duration v) { inboxDedupeWindow = v; return this; }
        public Builder allowList(List<String> v) { allowList = v; return this; }
        public Builder allowLoopback(boolean v) { allowLoopback = v; return this; }
        public Builder partitions(int v) { partitions = v; return this; }
        public Builder replicationFactor(short v) { replicationFactor = v; return this; }
        public Builder dlqRetention(Duration v) { dlqRetention = v; return this; }
        public Builder userAgentVersion(String v) { userAgentVersion = v; return this; }
        public Builder drainTimeout(Duration v) { drainTimeout = v; return this; }
        public Builder maxPollRecords(int v) { maxPollRecords = v; return this; }
        public Builder commitInterval(Duration v) { commitInterval = v; return this; }
        public Builder kafkaProperties(Map<String, String> v) { kafkaProperties = v; return this; }
        public Builder transientFailureLogLevel(Level v) { transientFailureLogLevel = v; return this; }
        public Builder clock(Clock v) { clock = v; return this; }
        public Builder listener(DeliveryListener v) { listener = v; return this; }
        public Builder hostResolver(HostResolver v) { hostResolver = v; return this; }
        public Builder jitterRandom(DoubleSupplier v) { jitterRandom = v; return this; }
        public Builder attemptsRetention(Duration v) { attemptsRetention = v; return this; }
        public Builder attemptResponseBytes(int v) { attemptResponseBytes = v; return this; }
        public Builder disableAfter(Duration v) { disableAfter = v; return this; }

        /**
         * Validates every field and returns the config.
         *
         * @throws InvalidConfigException naming every invalid field at once
         */
        public DeliveryConfig build() {
            Map<String, String> problems = new LinkedHashMap<>();
            if (blank(bootstrapServers)) {
                problems.put("bootstrapServers", "is required (host:port[,host:port…])");
            }
            if (topicPrefix == null || !TOPIC_PREFIX.matcher(topicPrefix).matches()) {
                problems.put("topicPrefix", "must be 1-200 characters of [a-zA-Z0-9._-]");
            }
            if (blank(groupId)) {
                problems.put("groupId", "is required");
            }
            if (blank(secretKey)) {
                problems.put("secretKey", "is required: 32 bytes in base64 (openssl rand -base64 32)");
            } else {
                try {
                    SecretCipher.fromBase64Key(secretKey);
                } catch (IllegalArgumentException e) {
                    problems.put("secretKey", e.getMessage());
                }
            }
            if (retrySchedule == null || retrySchedule.isEmpty()) {
                problems.put("retrySchedule", "needs at least one tier");
            } else if (retrySchedule.stream().anyMatch(d -> d == null || d.isNegative() || d.isZero())) {
                problems.put("retrySchedule", "tiers must be positive durations");
            }
            if (!(retryJitter >= 0 && retryJitter < 1)) {
                problems.put("retryJitter", "must be in [0, 1), e.g. 0.2 for ±20 %");
            }
            positive(problems, "retryAfterMax", retryAfterMax);
            positive(problems, "connectTimeout", connectTimeout);
            positive(problems, "responseTimeout", responseTimeout);
            positive(problems, "requestTimeout", requestTimeout);
            atLeast(problems, "maxInFlight", maxInFlight, 1);
            atLeast(problems, "maxInFlightPerEndpoint", maxInFlightPerEndpoint, 1);
            if (maxInFlightPerEndpoint > maxInFlight && maxInFlight >= 1) {
                problems.put("maxInFlightPerEndpoint", "must not exceed maxInFlight (" + maxInFlight + ")");
            }
            atLeast(problems, "maxQueuedPerEndpoint", maxQueuedPerEndpoint, 0);
            atLeast(problems, "circuitFailureThreshold", circuitFailureThreshold, 1);
            positive(problems, "circuitOpenDuration", circuitOpenDuration);
            positive(problems, "inboxDedupeWindow", inboxDedupeWindow);
            if (allowList == null) {
                problems.put("allowList", "must not be null (use an empty list)");
            } else {
                try {
                    DestinationPolicy.of(allowList, allowLoopback);
                } catch (IllegalArgumentException e) {
                    problems.put("allowList", e.getMessage());
                }
            }
            atLeast(problems, "partitions", partitions, 1);
            atLeast(problems, "replicationFactor", replicationFactor, 1);
            positive(problems, "dlqRetention", dlqRetention);
            if (blank(userAgentVersion) || !userAgentVersion.matches("[\\x21-\\x7e]+")) {
                problems.put("userAgentVersion", "must be printable ASCII without spaces");
            }
            if (drainTimeout == null || drainTimeout.isNegative()) {
                problems.put("drainTimeout", "must be zero or positive");
            }
            atLeast(problems, "maxPollRecords", maxPollRecords, 1);
            positive(problems, "commitInterval", commitInterval);
            if (kafkaProperties == null) {
                problems.put("kafkaProperties", "must not be null (use an empty map)");
            }
            if (transientFailureLogLevel == null) {
                problems.put("transientFailureLogLevel", "is required");
            }
            if (clock == null) {
                problems.put("clock", "is required");
            }
            if (listener == null) {
                problems.put("listener", "is required (DeliveryListener.NONE for none)");
            }
            if (hostResolver == null) {
                problems.put("hostResolver", "is required (HostResolver.SYSTEM for DNS)");
            }
            if (jitterRandom == null) {
                problems.put("jitterRandom", "is required");
            }
            positive(problems, "attemptsRetention", attemptsRetention);
            positive(problems, "disableAfter", disableAfter);
            if (attemptResponseBytes < 0 || attemptResponseBytes > MAX_ATTEMPT_RESPONSE_BYTES) {
                problems.put("attemptResponseBytes", "must be from 0 (keep none) to " + MAX_ATTEMPT_RESPONSE_BYTES
                        + " (got " + attemptResponseBytes + ")");
            }
            if (!problems.isEmpty()) {
                throw new InvalidConfigException(problems);
            }
            return new DeliveryConfig(bootstrapServers.strip(), topicPrefix, groupId, secretKey.strip(), retrySchedule,
                    retryJitter, retryAfterMax, connectTimeout, responseTimeout, requestTimeout, maxInFlight, maxInFlightPerEndpoint,
                    maxQueuedPerEndpoint, circuitFailureThreshold, circuitOpenDuration, inboxDedupeWindow, allowList,
                    allowLoopback, partitions, replicationFactor, dlqRetention, userAgentVersion, drainTimeout,
                    maxPollRecords, commitInterval, kafkaProperties, transientFailureLogLevel, clock, listener,
                    hostResolver, jitterRandom, attemptsRetention, attemptResponseBytes,
                    disableAfter);
        }

        private static boolean blank(String s) {
            return s == null || s.isBlank();
        }

        private static void positive(Map<String, String> problems, String field, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                problems.put(field, "must be a positive duration");
            }
        }

        private static void atLeast(Map<String, String> problems, String field, int value, int min) {
            if (value < min) {
                problems.put(field, "must be at least " + min + " (got " + value + ")");
            }
        }
    }
}
