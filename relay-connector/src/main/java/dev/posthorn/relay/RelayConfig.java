package dev.posthorn.relay;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Everything the relay needs to know, read once and validated once. Build it with {@link #builder()};
 * every default is written in {@link Builder} where the field is declared.
 *
 * <p>The important knobs first: where the database is ({@code databaseUrl} or host/port/database,
 * {@code user}, {@code password}), where Kafka is ({@code kafkaBootstrap}), and the {@code topicPrefix}.
 * The rest has defaults that suit one relay per database.
 *
 * <h2>Replication slot and snapshot mode</h2>
 * The replication slot is created by outbox-writer's schema install ({@code Outbox.install}), together
 * with the publication, so that Postgres keeps the WAL of every event from install on, however late the
 * relay first starts. The relay streams from that slot; a missing slot stops it at start with a message
 * saying to run the install (events published while the slot was missing are lost to the relay).
 *
 * <p>{@code snapshotMode} defaults to {@value #SNAPSHOT_SUBSCRIPTIONS}: when the relay starts on a slot
 * without committed offsets, it snapshots the subscriptions table (every existing subscription becomes a
 * record on {@code <prefix>.subscriptions}) and then streams from the slot's confirmed position, so
 * every outbox event committed since install is relayed. The outbox table is never snapshotted: its
 * events are in the WAL the slot kept (and the default row retention deletes the rows anyway). Any
 * other value is passed to Debezium as its {@code snapshot.mode} unchanged: {@code no_data} streams
 * from the current WAL position on the first start (skipping what was committed since install),
 * {@code initial} also relays every row already in the outbox table.
 *
 * <h2>Publication</h2>
 * The publication is created by outbox-writer's schema install ({@code Outbox.install}), not by the relay:
 * Debezium runs with {@code publication.autocreate.mode=disabled}, so the relay's database user needs
 * no ownership of the tables, and a missing publication stops the relay at start with a message saying
 * to run the install.
 *
 * @param databaseUrl a {@code jdbc:postgresql://host:port/database} URL; host, port and database are
 *     taken from it unless given separately
 * @param host Postgres host
 * @param port Postgres port
 * @param database Postgres database name
 * @param user Postgres user; needs the {@code REPLICATION} attribute (or superuser)
 * @param password Postgres password; never logged ({@link #toString()} masks it)
 * @param schema schema holding {@code posthorn_outbox} and {@code posthorn_subscriptions}
 * @param slotName logical replication slot; one slot per relay cluster (active + standbys)
 * @param publicationName publication created by the schema install
 * @param snapshotMode {@value #SNAPSHOT_SUBSCRIPTIONS} (see above), or a Debezium {@code snapshot.mode}
 * @param retainedWalWarningBytes the relay logs a warning, and its health says so, when the slot retains
 *     more WAL than this
 * @param heartbeatInterval how often the relay confirms its WAL position while the outbox is idle
 * @param heartbeatActionQuery run on every heartbeat so that the slot advances while other tables are busy
 * @param kafkaBootstrap Kafka {@code bootstrap.servers}
 * @param kafkaProperties extra client settings (security, SASL, ...) passed to every Kafka client the relay
 *     creates: producer, admin, control consumer and the offset store
 * @param topicPrefix prefix of every topic: {@code <prefix>.events}, {@code <prefix>.subscriptions}, ...
 * @param eventsPartitions partitions of {@code <prefix>.events} when the relay creates it
 * @param subscriptionsPartitions partitions of {@code <prefix>.subscriptions} when the relay creates it
 * @param replicationFactor replication factor of every topic the relay creates
 * @param minInsyncReplicas {@code min.insync.replicas} of the topics the relay creates, used when the
 *     replication factor is above 1
 * @param offsetFile where Debezium's offsets are stored when not in Kafka; empty = the compacted
 *     {@code <prefix>.relay-offsets} topic (the relay is then stateless)
 * @param offsetFlushInterval how often processed positions are committed to the offset store and
 *     confirmed to the replication slot; also bounds the duplicates re-sent after a crash
 * @param lingerMs producer {@code linger.ms}
 * @param producerBatchBytes producer {@code batch.size} in bytes
 * @param deliveryTimeout producer {@code delivery.timeout.ms}: how long one send may wait for the broker
 *     before the relay restarts its stream from the last committed position
 * @param maxBatchSize Debezium {@code max.batch.size}: changes handed to the relay at once
 * @param standbyPollInterval how often a standby tries to become active
 * @param leaderCheckInterval how often the active relay checks its lock connection and measures slot lag
 * @param restartBackoff the first wait before the stream is restarted after a failure; doubles up to 30 s
 * @param controlGroupId consumer group of the {@code <prefix>.control} consumer
 * @param clock time source for metrics (age of the newest event) and backoff
 * @param listener receives metrics and state changes; called on relay threads, must not block
 */
public record RelayConfig(
        Optional<String> databaseUrl,
        String host,
        int port,
        String database,
        String user,
        String password,
        String schema,
        String slotName,
        String publicationName,
        String snapshotMode,
        long retainedWalWarningBytes,
        Duration heartbeatInterval,
        String heartbeatActionQuery,
        String kafkaBootstrap,
        Map<String, String> kafkaProperties,
        String topicPrefix,
        int eventsPartitions,
        int subscriptionsPartitions,
        short replicationFactor,
        int minInsyncReplicas,
        Optional<Path> offsetFile,
        Duration offsetFlushInterval,
        int lingerMs,
        int producerBatchBytes,
        Duration deliveryTimeout,
        int maxBatchSize,
        Duration standbyPollInterval,
        Duration leaderCheckInterval,
        Duration restartBackoff,
        String controlGroupId,
        Clock clock,
        RelayListener listener) {

    /** The default snapshot mode: subscriptions only, then stream from the slot's confirmed position. */
    public static final String SNAPSHOT_SUBSCRIPTIONS = "subscriptions";

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final Pattern TOPIC_PREFIX = Pattern.compile("[a-zA-Z0-9._-]{1,200}");
    private static final Pattern JDBC_URL =
            Pattern.compile("jdbc:postgresql://([^/:?]+)(?::(\\d+))?/([^?]+)(?:\\?.*)?");

    public RelayConfig {
        kafkaProperties = Map.copyOf(kafkaProperties);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these values, to change a few. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.databaseUrl = databaseUrl.orElse(null);
        b.host = host;
        b.port = port;
        b.database = database;
        b.user = user;
        b.password = password;
        b.schema = schema;
        b.slotName = slotName;
        b.publicationName = publicationName;
        b.snapshotMode = snapshotMode;
        b.retainedWalWarningBytes = retainedWalWarningBytes;
        b.heartbeatInterval = heartbeatInterval;
        b.heartbeatActionQuery = heartbeatActionQuery;
        b.kafkaBootstrap = kafkaBootstrap;
        b.kafkaProperties = new TreeMap<>(kafkaProperties);
        b.topicPrefix = topicPrefix;
        b.eventsPartitions = eventsPartitions;
        b.subscriptionsPartitions = subscriptionsPartitions;
        b.replicationFactor = replicationFactor;
        b.minInsyncReplicas = minInsyncReplicas;
        b.offsetFile = offsetFile.orElse(null);
        b.offsetFlushInterval = offsetFlushInterval;
        b.lingerMs = lingerMs;
        b.producerBatchBytes = producerBatchBytes;
        b.deliveryTimeout = deliveryTimeout;
        b.maxBatchSize = maxBatchSize;
        b.standbyPollInterval = standbyPollInterval;
        b.leaderCheckInterval = leaderCheckInterval;
        b.restartBackoff = restartBackoff;
        b.controlGroupId = controlGroupId;
        b.clock = clock;
        b.listener = listener;
        return b;
    }

    /** {@code <prefix>.events}. */
    public String eventsTopic() {
        return topicPrefix + ".events";
    }

    /** {@code <prefix>.subscriptions}. */
    public String subscriptionsTopic() {
        return topicPrefix + ".subscriptions";
    }

    /** {@code <prefix>.control}. */
    public String controlTopic() {
        return topicPrefix + ".control";
    }

    /** {@code <prefix>.relay-offsets}: Debezium's offsets when no offset file is configured. */
    public String offsetsTopic() {
        return topicPrefix + ".relay-offsets";
    }

    /** {@code <prefix>.relay-dlq}: outbox rows that cannot become events (see the module README). */
    public String relayDlqTopic() {
        return topicPrefix + ".relay-dlq";
    }

    /** A JDBC URL for the relay's own connections (lock, control); no credentials in it. */
    public String jdbcUrl() {
        return databaseUrl.orElseGet(() -> "jdbc:postgresql://" + host + ":" + port + "/" + database);
    }

    @Override
    public String toString() {
        return "RelayConfig[database=" + host + ":" + port + "/" + database + ", user=" + user
                + ", password=" + (password.isEmpty() ? "(none)" : "****") + ", schema=" + schema
                + ", slot=" + slotName + ", publication=" + publicationName + ", snapshotMode=" + snapshotMode
                + ", kafka=" + kafkaBootstrap + ", kafkaProperties=" + kafkaProperties.keySet()
                + ", topicPrefix=" + topicPrefix + ", eventsPartitions=" + eventsPartitions
                + ", replicationFactor=" + replicationFactor + ", offsets="
                + offsetFile.map(Path::toString).orElse(offsetsTopic()) + ", lingerMs=" + lingerMs
                + ", maxBatchSize=" + maxBatchSize + ", heartbeat=" + heartbeatInterval + "]";
    }

    /**
     * Builds a {@link RelayConfig}. Setters take the value as given; {@link #build()} validates all of
     * them at once and throws {@link IllegalArgumentException} listing every problem by field name.
     */
    public static final class Builder {
        private String databaseUrl;
        private String host;
        /** null = from databaseUrl, else 5432. */
        private Integer port;
        private String database;
        private String user;
        private String password = "";
        private String schema = "public";
        private String slotName = "posthorn";
        private String publicationName = "posthorn";
        private String snapshotMode = SNAPSHOT_SUBSCRIPTIONS;
        private long retainedWalWarningBytes = 1L << 30;
        private Duration heartbeatInterval = Duration.ofSeconds(10);
        private String heartbeatActionQuery =
                "SELECT pg_logical_emit_message(false, 'posthorn-heartbeat', now()::text)";
        private String kafkaBootstrap;
        private Map<String, String> kafkaProperties = new TreeMap<>();
        private String topicPrefix = "posthorn";
        private int eventsPartitions = 6;
        private int subscriptionsPartitions = 1;
        private short replicationFactor = 1;
        /** 0 = derived: replication factor - 1, at least 1 (RF 3 gives 2). */
        private int minInsyncReplicas = 0;
        private Path offsetFile;
        private Duration offsetFlushInterval = Duration.ofSeconds(5);
        private int lingerMs = 10;
        private int producerBatchBytes = 256 * 1024;
        private Duration deliveryTimeout = Duration.ofMinutes(2);
        private int maxBatchSize = 2048;
        private Duration standbyPollInterval = Duration.ofSeconds(2);
        private Duration leaderCheckInterval = Duration.ofSeconds(1);
        private Duration restartBackoff = Duration.ofSeconds(1);
        private String controlGroupId;
        private Clock clock = Clock.systemUTC();
        private RelayListener listener = RelayListener.NONE;

        private Builder() {}

        /** {@code jdbc:postgresql://host:port/database}; sets host, port and database unless set separately. */
        public Builder databaseUrl(String databaseUrl) { this.databaseUrl = databaseUrl; return this; }
        public Builder host(String host) { this.host = host; return this; }
        public Builder port(int port) { this.port = port; return this; }
        public Builder database(String database) { this.database = database; return this; }
        public Builder user(String user) { this.user = user; return this; }
        public Builder password(String password) { this.password = password; return this; }
        public Builder schema(String schema) { this.schema = schema; return this; }
        public Builder slotName(String slotName) { this.slotName = slotName; return this; }
        public Builder publicationName(String publicationName) { this.publicationName = publicationName; return this; }
        public Builder snapshotMode(String snapshotMode) { this.snapshotMode = snapshotMode; return this; }
        /** Default 1073741824 (1 GiB). */
        public Builder retainedWalWarningBytes(long retainedWalWarningBytes) { this.retainedWalWarningBytes = retainedWalWarningBytes; return this; }
        public Builder heartbeatInterval(Duration heartbeatInterval) { this.heartbeatInterval = heartbeatInterval; return this; }
        /** Empty string = no action query (not recommended: an idle outbox then pins WAL). */
        public Builder heartbeatActionQuery(String heartbeatActionQuery) { this.heartbeatActionQuery = heartbeatActionQuery; return this; }
        public Builder kafkaBootstrap(String kafkaBootstrap) { this.kafkaBootstrap = kafkaBootstrap; return this; }
        public Builder kafkaProperty(String key, String value) { this.kafkaProperties.put(key, value); return this; }
        public Builder kafkaProperties(Map<String, String> properties) { this.kafkaProperties = new TreeMap<>(properties); return this; }
        public Builder topicPrefix(String topicPrefix) { this.topicPrefix = topicPrefix; return this; }
        public Builder eventsPartitions(int eventsPartitions) { this.eventsPartitions = eventsPartitions; return this; }
        public Builder subscriptionsPartitions(int subscriptionsPartitions) { this.subscriptionsPartitions = subscriptionsPartitions; return this; }
        public Builder replicationFactor(int replicationFactor) { this.replicationFactor = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, replicationFactor)); return this; }
        public Builder minInsyncReplicas(int minInsyncReplicas) { this.minInsyncReplicas = minInsyncReplicas; return this; }
        /** Store offsets in this file instead of the {@code <prefix>.relay-offsets} topic. */
        public Builder offsetFile(Path offsetFile) { this.offsetFile = offsetFile; return this; }
        public Builder offsetFlushInterval(Duration offsetFlushInterval) { this.offsetFlushInterval = offsetFlushInterval; return this; }
        public Builder lingerMs(int lingerMs) { this.lingerMs = lingerMs; return this; }
        public Builder producerBatchBytes(int producerBatchBytes) { this.producerBatchBytes = producerBatchBytes; return this; }
        public Builder deliveryTimeout(Duration deliveryTimeout) { this.deliveryTimeout = deliveryTimeout; return this; }
        public Builder maxBatchSize(int maxBatchSize) { this.maxBatchSize = maxBatchSize; return this; }
        public Builder standbyPollInterval(Duration standbyPollInterval) { this.standbyPollInterval = standbyPollInterval; return this; }
        public Builder leaderCheckInterval(Duration leaderCheckInterval) { this.leaderCheckInterval = leaderCheckInterval; return this; }
        public Builder restartBackoff(Duration restartBackoff) { this.restartBackoff = restartBackoff; return this; }
        /** Default {@code <topicPrefix>.relay-control}. */
        public Builder controlGroupId(String controlGroupId) { this.controlGroupId = controlGroupId; return this; }
        public Builder clock(Clock clock) { this.clock = clock; return this; }
        public Builder listener(RelayListener listener) { this.listener = listener; return this; }

        /** Validates every field and returns the config; the exception names every bad field. */
        public RelayConfig build() {
            List<String> problems = new ArrayList<>();
            String h = host;
            Integer p = null;
            String d = database;
            if (databaseUrl != null) {
                var m = JDBC_URL.matcher(databaseUrl);
                if (!m.matches()) {
                    problems.add("databaseUrl: expected jdbc:postgresql://host[:port]/database, got '"
                            + redactUrl(databaseUrl) + "'");
                } else {
                    h = host != null ? host : m.group(1);
                    p = m.group(2) != null ? Integer.valueOf(m.group(2)) : null;
                    d = database != null ? database : m.group(3);
                }
                if (databaseUrl.toLowerCase(java.util.Locale.ROOT).contains("password=")) {
                    problems.add("databaseUrl: must not carry the password; set password separately");
                }
            }
            int effectivePort = port != null ? port : p != null ? p : 5432;
            if (blank(h)) problems.add("host: required (or databaseUrl)");
            if (blank(d)) problems.add("database: required (or databaseUrl)");
            if (effectivePort < 1 || effectivePort > 65535) problems.add("port: must be 1..65535, got " + effectivePort);
            if (blank(user)) problems.add("user: required");
            if (password == null) problems.add("password: must not be null (use \"\" for none)");
            checkIdentifier(problems, "schema", schema);
            checkIdentifier(problems, "slotName", slotName);
            checkIdentifier(problems, "publicationName", publicationName);
            if (blank(snapshotMode)) problems.add("snapshotMode: required, e.g. subscriptions (default), no_data or initial");
            if (retainedWalWarningBytes < 1) problems.add("retainedWalWarningBytes: must be at least 1, got " + retainedWalWarningBytes);
            positive(problems, "heartbeatInterval", heartbeatInterval);
            if (heartbeatActionQuery == null) problems.add("heartbeatActionQuery: must not be null (use \"\" for none)");
            if (blank(kafkaBootstrap)) problems.add("kafkaBootstrap: required, e.g. localhost:9092");
            if (kafkaProperties == null) {
                problems.add("kafkaProperties: must not be null");
            } else {
                for (String managed : List.of("bootstrap.servers", "acks", "enable.idempotence",
                        "key.serializer", "value.serializer")) {
                    if (kafkaProperties.containsKey(managed)) {
                        problems.add("kafkaProperties: '" + managed + "' is set by the relay and cannot be overridden");
                    }
                }
            }
            if (topicPrefix == null || !TOPIC_PREFIX.matcher(topicPrefix).matches()) {
                problems.add("topicPrefix: 1-200 characters of [a-zA-Z0-9._-], got '" + topicPrefix + "'");
            }
            if (eventsPartitions < 1) problems.add("eventsPartitions: must be at least 1, got " + eventsPartitions);
            if (subscriptionsPartitions < 1) problems.add("subscriptionsPartitions: must be at least 1, got " + subscriptionsPartitions);
            if (replicationFactor < 1) problems.add("replicationFactor: must be at least 1, got " + replicationFactor);
            int minIsr = minInsyncReplicas == 0 ? Math.max(1, replicationFactor - 1) : minInsyncReplicas;
            if (minIsr < 1 || minIsr > Math.max(1, replicationFactor)) {
                problems.add("minInsyncReplicas: must be 1..replicationFactor (" + replicationFactor + "), got " + minIsr);
            }
            positive(problems, "offsetFlushInterval", offsetFlushInterval);
            if (lingerMs < 0) problems.add("lingerMs: must be >= 0, got " + lingerMs);
            if (producerBatchBytes < 1024) problems.add("producerBatchBytes: must be at least 1024, got " + producerBatchBytes);
            positive(problems, "deliveryTimeout", deliveryTimeout);
            if (deliveryTimeout != null && deliveryTimeout.toMillis() < lingerMs + 30_000L) {
                problems.add("deliveryTimeout: must be at least lingerMs + 30 s (the producer's request timeout)");
            }
            if (maxBatchSize < 1) problems.add("maxBatchSize: must be at least 1, got " + maxBatchSize);
            positive(problems, "standbyPollInterval", standbyPollInterval);
            positive(problems, "leaderCheckInterval", leaderCheckInterval);
            positive(problems, "restartBackoff", restartBackoff);
            if (controlGroupId != null && controlGroupId.isBlank()) problems.add("controlGroupId: must not be blank");
            if (clock == null) problems.add("clock: required");
            if (listener == null) problems.add("listener: required (RelayListener.NONE for none)");
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("invalid relay configuration:\n  " + String.join("\n  ", problems));
            }
            return new RelayConfig(Optional.ofNullable(databaseUrl), h, effectivePort, d, user, password, schema,
                    slotName, publicationName, snapshotMode, retainedWalWarningBytes, heartbeatInterval, heartbeatActionQuery, kafkaBootstrap,
                    kafkaProperties, topicPrefix, eventsPartitions, subscriptionsPartitions, replicationFactor, minIsr,
                    Optional.ofNullable(offsetFile), offsetFlushInterval, lingerMs, producerBatchBytes, deliveryTimeout,
                    maxBatchSize, standbyPollInterval, leaderCheckInterval, restartBackoff,
                    Objects.requireNonNullElse(controlGroupId, topicPrefix + ".relay-control"), clock, listener);
        }

        private static void checkIdentifier(List<String> problems, String field, String value) {
            if (value == null || !IDENTIFIER.matcher(value).matches()) {
                problems.add(field + ": a lower-case Postgres identifier ([a-z_][a-z0-9_]*, at most 63), got '" + value + "'");
            }
        }

        private static void positive(List<String> problems, String field, Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                problems.add(field + ": must be a positive duration, got " + value);
            }
        }

        private static boolean blank(String s) {
            return s == null || s.isBlank();
        }

        private static String redactUrl(String url) {
            int q = url.indexOf('?');
            return q < 0 ? url : url.substring(0, q) + "?…";
        }
    }
}
