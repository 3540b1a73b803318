package dev.posthorn.app.config;

import dev.posthorn.delivery.DeliveryConfig;
import dev.posthorn.delivery.DeliveryListener;
import dev.posthorn.outbox.Outbox;
import dev.posthorn.outbox.SecretKeys;
import dev.posthorn.relay.RelayConfig;
import dev.posthorn.relay.RelayListener;
import dev.posthorn.app.Version;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Turns the validated configuration table into the modules' typed configs. The only place that
 * knows both the environment keys and the modules' builder fields; module-level validation errors
 * are reported under the environment key that feeds the field.
 */
public final class Wiring {

    private static final Map<String, String> RELAY_FIELDS = Map.ofEntries(
            Map.entry("databaseUrl", Settings.DATABASE_URL),
            Map.entry("host", Settings.DATABASE_URL),
            Map.entry("database", Settings.DATABASE_URL),
            Map.entry("port", Settings.DATABASE_URL),
            Map.entry("user", Settings.DATABASE_USER),
            Map.entry("password", Settings.DATABASE_PASSWORD),
            Map.entry("schema", Settings.DATABASE_SCHEMA),
            Map.entry("slotName", Settings.RELAY_SLOT),
            Map.entry("publicationName", Settings.RELAY_PUBLICATION),
            Map.entry("snapshotMode", Settings.RELAY_SNAPSHOT_MODE),
            Map.entry("retainedWalWarningBytes", Settings.RELAY_SLOT_WAL_WARNING),
            Map.entry("heartbeatInterval", Settings.RELAY_HEARTBEAT),
            Map.entry("kafkaBootstrap", Settings.KAFKA_BOOTSTRAP),
            Map.entry("topicPrefix", Settings.TOPIC_PREFIX),
            Map.entry("eventsPartitions", Settings.EVENTS_PARTITIONS),
            Map.entry("replicationFactor", Settings.REPLICATION_FACTOR),
            Map.entry("offsetFile", Settings.RELAY_OFFSET_FILE),
            Map.entry("lingerMs", Settings.RELAY_LINGER));

    private static final Map<String, String> DELIVERY_FIELDS = Map.ofEntries(
            Map.entry("bootstrapServers", Settings.KAFKA_BOOTSTRAP),
            Map.entry("topicPrefix", Settings.TOPIC_PREFIX),
            Map.entry("groupId", Settings.DELIVERY_GROUP),
            Map.entry("secretKey", Settings.SECRET_KEY),
            Map.entry("retrySchedule", Settings.DELIVERY_RETRY_SCHEDULE),
            Map.entry("connectTimeout", Settings.DELIVERY_CONNECT_TIMEOUT),
            Map.entry("responseTimeout", Settings.DELIVERY_RESPONSE_TIMEOUT),
            Map.entry("requestTimeout", Settings.DELIVERY_REQUEST_TIMEOUT),
            Map.entry("maxInFlight", Settings.DELIVERY_MAX_IN_FLIGHT),
            Map.entry("maxInFlightPerEndpoint", Settings.DELIVERY_MAX_IN_FLIGHT_PER_ENDPOINT),
            Map.entry("inboxDedupeWindow", Settings.DELIVERY_DEDUPE_WINDOW),
            Map.entry("allowList", Settings.DELIVERY_ALLOW),
            Map.entry("partitions", Settings.EVENTS_PARTITIONS),
            Map.entry("replicationFactor", Settings.REPLICATION_FACTOR),
            Map.entry("attemptsRetention", Settings.ATTEMPTS_RETENTION),
            Map.entry("disableAfter", Settings.DELIVERY_DISABLE_AFTER),
            Map.entry("attemptResponseBytes", Settings.ATTEMPTS_RESPONSE_BYTES));

    private Wiring() {}

    public static RelayConfig relay(ConfigReader config, RelayListener listener, Clock clock) {
        String url = config.required(Settings.DATABASE_URL);
        String user = config.string(Settings.DATABASE_USER);
        String password = config.string(Settings.DATABASE_PASSWORD);
        String bootstrap = config.required(Settings.KAFKA_BOOTSTRAP);
        int partitions = config.integer(Settings.EVENTS_PARTITIONS, 1, 10_000);
        int rf = config.integer(Settings.REPLICATION_FACTOR, 1, 32);
        Duration heartbeat = config.duration(Settings.RELAY_HEARTBEAT);
        Duration linger = config.duration(Settings.RELAY_LINGER);
        Optional<String> offsetFile = config.optional(Settings.RELAY_OFFSET_FILE);
        String schema = config.string(Settings.DATABASE_SCHEMA);
        String slot = config.string(Settings.RELAY_SLOT);
        String publication = config.string(Settings.RELAY_PUBLICATION);
        String snapshot = config.string(Settings.RELAY_SNAPSHOT_MODE);
        long walWarning = config.bytes(Settings.RELAY_SLOT_WAL_WARNING);
        String prefix = config.string(Settings.TOPIC_PREFIX);
        config.validate();
        RelayConfig.Builder builder = RelayConfig.builder()
                .databaseUrl(url).user(user).password(password).schema(schema)
                .slotName(slot).publicationName(publication).snapshotMode(snapshot).retainedWalWarningBytes(walWarning)
                .heartbeatInterval(heartbeat).kafkaBootstrap(bootstrap).topicPrefix(prefix)
                .eventsPartitions(partitions).replicationFactor(rf)
                .lingerMs((int) linger.toMillis()).clock(clock).listener(listener);
        offsetFile.map(Path::of).ifPresent(builder::offsetFile);
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(translate(e.getMessage(), RELAY_FIELDS));
        }
    }

    public static DeliveryConfig delivery(ConfigReader config, DeliveryListener listener, Clock clock, boolean devMode) {
        String bootstrap = config.required(Settings.KAFKA_BOOTSTRAP);
        String secretKey = config.required(Settings.SECRET_KEY);
        String prefix = config.string(Settings.TOPIC_PREFIX);
        String group = config.string(Settings.DELIVERY_GROUP);
        List<Duration> schedule = config.durations(Settings.DELIVERY_RETRY_SCHEDULE);
        Duration connect = config.duration(Settings.DELIVERY_CONNECT_TIMEOUT);
        Duration response = config.duration(Settings.DELIVERY_RESPONSE_TIMEOUT);
        Duration request = config.duration(Settings.DELIVERY_REQUEST_TIMEOUT);
        int inFlight = config.integer(Settings.DELIVERY_MAX_IN_FLIGHT, 1, 100_000);
        int perEndpoint = config.integer(Settings.DELIVERY_MAX_IN_FLIGHT_PER_ENDPOINT, 1, 100_000);
        Duration dedupe = config.duration(Settings.DELIVERY_DEDUPE_WINDOW);
        List<String> allow = Arrays.stream(config.string(Settings.DELIVERY_ALLOW).split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        boolean allowLoopback = devMode || allow.contains("loopback");
        int partitions = config.integer(Settings.EVENTS_PARTITIONS, 1, 10_000);
        int rf = config.integer(Settings.REPLICATION_FACTOR, 1, 32);
        Duration attemptsRetention = config.duration(Settings.ATTEMPTS_RETENTION);
        Duration disableAfter = config.duration(Settings.DELIVERY_DISABLE_AFTER);
        long responseBytes = config.parse(Settings.ATTEMPTS_RESPONSE_BYTES,
                text -> text.trim().equals("0") ? 0L : ConfigReader.parseBytes(text), 0L);
        config.validate();
        try {
            return DeliveryConfig.builder()
                    .bootstrapServers(bootstrap).secretKey(secretKey).topicPrefix(prefix).groupId(group)
                    .retrySchedule(schedule).connectTimeout(connect).responseTimeout(response).requestTimeout(request)
                    .maxInFlight(inFlight).maxInFlightPerEndpoint(perEndpoint).inboxDedupeWindow(dedupe)
                    .allowList(allow.stream().filter(a -> !a.equals("loopback")).toList())
                    .allowLoopback(allowLoopback)
                    .partitions(partitions).replicationFactor((short) rf)
                    .attemptsRetention(attemptsRetention).disableAfter(disableAfter)
                    .attemptResponseBytes((int) Math.min(responseBytes, Integer.MAX_VALUE))
                    .userAgentVersion(Version.current())
                    .clock(clock).listener(listener)
                    .build();
        } catch (DeliveryConfig.InvalidConfigException e) {
            List<String> problems = e.problems().entrySet().stream()
                    .map(p -> DELIVERY_FIELDS.getOrDefault(p.getKey(), p.getKey()) + ": " + p.getValue())
                    .sorted().toList();
            throw new ConfigException(problems);
        }
    }

    /** The outbox with its secret cipher (needed by everything that touches subscription secrets). */
    public static Outbox outbox(ConfigReader config, boolean devMode, Clock clock) {
        String key = devMode ? config.optional(Settings.SECRET_KEY).orElse(null) : config.required(Settings.SECRET_KEY);
        Outbox.Builder builder = outboxBuilder(config);
        try {
            builder.secretCipher(SecretKeys.fromSetting(key, devMode));
        } catch (IllegalStateException e) {
            // The message names the variable and how to generate a key, never the key.
            throw new ConfigException(List.of(Settings.SECRET_KEY + ": " + e.getMessage()));
        }
        return build(builder.clock(clock));
    }

    /** The outbox for schema work and publishing only: no secret key needed. */
    public static Outbox outboxWithoutSecrets(ConfigReader config) {
        return build(outboxBuilder(config));
    }

    /**
     * The outbox for {@code outbox install}: with the secret cipher when {@link Settings#SECRET_KEY} is set,
     * so that the install re-seals secrets stored in the older format; without it the install only warns.
     */
    public static Outbox outboxForInstall(ConfigReader config) {
        Optional<String> key = config.optional(Settings.SECRET_KEY);
        Outbox.Builder builder = outboxBuilder(config);
        if (key.isPresent()) {
            try {
                builder.secretCipher(SecretKeys.fromSetting(key.get(), false));
            } catch (IllegalStateException e) {
                throw new ConfigException(List.of(Settings.SECRET_KEY + ": " + e.getMessage()));
            }
        }
        return build(builder);
    }

    /** The outbox for {@code outbox check}: also knows the slot's retained-WAL warning threshold. */
    public static Outbox outboxForCheck(ConfigReader config) {
        long walWarning = config.bytes(Settings.RELAY_SLOT_WAL_WARNING);
        Outbox.Builder builder = outboxBuilder(config);
        return build(builder.retainedWalWarningBytes(walWarning));
    }

    private static Outbox.Builder outboxBuilder(ConfigReader config) {
        String schema = config.string(Settings.DATABASE_SCHEMA);
        String publication = config.string(Settings.RELAY_PUBLICATION);
        String slot = config.string(Settings.RELAY_SLOT);
        config.validate();
        return Outbox.builder().schema(schema).publication(publication).slotName(slot);
    }

    private static Outbox build(Outbox.Builder builder) {
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(List.of(Settings.DATABASE_SCHEMA + " / " + Settings.RELAY_PUBLICATION + " / "
                    + Settings.RELAY_SLOT + ": " + e.getMessage()));
        }
    }

    public static DataSource dataSource(ConfigReader config) {
        String url = config.required(Settings.DATABASE_URL);
        String user = config.string(Settings.DATABASE_USER);
        String password = config.string(Settings.DATABASE_PASSWORD);
        config.validate();
        PGSimpleDataSource ds = new PGSimpleDataSource();
        try {
            ds.setURL(url);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(List.of(Settings.DATABASE_URL + ": " + e.getMessage()));
        }
        ds.setUser(user);
        ds.setPassword(password);
        ds.setApplicationName("posthorn");
        return ds;
    }

    private static List<String> translate(String message, Map<String, String> fields) {
        return message.lines()
                .map(String::trim)
                .filter(line -> !line.isEmpty() && !line.startsWith("invalid "))
                .map(line -> {
                    int colon = line.indexOf(':');
                    String field = colon > 0 ? line.substring(0, colon) : "";
                    String key = fields.get(field);
                    return key == null ? line : key + " (" + field + ")" + line.substring(colon);
                })
                .toList();
    }
}
