package dev.posthorn.app.config;

import static dev.posthorn.app.config.Setting.Service.ADMIN;
import static dev.posthorn.app.config.Setting.Service.CLI;
import static dev.posthorn.app.config.Setting.Service.DELIVER;
import static dev.posthorn.app.config.Setting.Service.RECEIVER;
import static dev.posthorn.app.config.Setting.Service.RELAY;

import dev.posthorn.app.config.Setting.Service;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Posthorn's configuration table. The README's table is generated from this list (and a test keeps
 * them equal); every service validates its environment against it at start.
 * The important knobs come first.
 */
public final class Settings {

    public static final String DATABASE_URL = "POSTHORN_DATABASE_URL";
    public static final String DATABASE_USER = "POSTHORN_DATABASE_USER";
    public static final String DATABASE_PASSWORD = "POSTHORN_DATABASE_PASSWORD";
    public static final String DATABASE_SCHEMA = "POSTHORN_DATABASE_SCHEMA";
    public static final String KAFKA_BOOTSTRAP = "POSTHORN_KAFKA_BOOTSTRAP";
    public static final String SECRET_KEY = "POSTHORN_SECRET_KEY";
    public static final String TOPIC_PREFIX = "POSTHORN_TOPIC_PREFIX";
    public static final String EVENTS_PARTITIONS = "POSTHORN_EVENTS_PARTITIONS";
    public static final String REPLICATION_FACTOR = "POSTHORN_REPLICATION_FACTOR";
    public static final String RELAY_SLOT = "POSTHORN_RELAY_SLOT";
    public static final String RELAY_PUBLICATION = "POSTHORN_RELAY_PUBLICATION";
    public static final String RELAY_SNAPSHOT_MODE = "POSTHORN_RELAY_SNAPSHOT_MODE";
    public static final String RELAY_SLOT_WAL_WARNING = "POSTHORN_RELAY_SLOT_WAL_WARNING";
    public static final String RELAY_HEARTBEAT = "POSTHORN_RELAY_HEARTBEAT";
    public static final String RELAY_OFFSET_FILE = "POSTHORN_RELAY_OFFSET_FILE";
    public static final String RELAY_LINGER = "POSTHORN_RELAY_LINGER";
    public static final String DELIVERY_GROUP = "POSTHORN_DELIVERY_GROUP";
    public static final String DELIVERY_RETRY_SCHEDULE = "POSTHORN_DELIVERY_RETRY_SCHEDULE";
    public static final String DELIVERY_CONNECT_TIMEOUT = "POSTHORN_DELIVERY_CONNECT_TIMEOUT";
    public static final String DELIVERY_RESPONSE_TIMEOUT = "POSTHORN_DELIVERY_RESPONSE_TIMEOUT";
    public static final String DELIVERY_REQUEST_TIMEOUT = "POSTHORN_DELIVERY_REQUEST_TIMEOUT";
    public static final String DELIVERY_MAX_IN_FLIGHT = "POSTHORN_DELIVERY_MAX_IN_FLIGHT";
    public static final String DELIVERY_MAX_IN_FLIGHT_PER_ENDPOINT = "POSTHORN_DELIVERY_MAX_IN_FLIGHT_PER_ENDPOINT";
    public static final String DELIVERY_ALLOW = "POSTHORN_DELIVERY_ALLOW";
    public static final String DELIVERY_DEDUPE_WINDOW = "POSTHORN_DELIVERY_DEDUPE_WINDOW";
    public static final String DELIVERY_DISABLE_AFTER = "POSTHORN_DELIVERY_DISABLE_AFTER";
    public static final String ATTEMPTS_RETENTION = "POSTHORN_ATTEMPTS_RETENTION";
    public static final String ATTEMPTS_RESPONSE_BYTES = "POSTHORN_ATTEMPTS_RESPONSE_BYTES";
    public static final String ADMIN_BIND = "POSTHORN_ADMIN_BIND";
    public static final String ADMIN_PORT = "POSTHORN_ADMIN_PORT";
    public static final String ADMIN_TOKEN = "POSTHORN_ADMIN_TOKEN";
    public static final String ADMIN_AUTH = "POSTHORN_ADMIN_AUTH";
    public static final String METRICS_PORT = "POSTHORN_METRICS_PORT";
    public static final String METRICS_ENDPOINT_LABELS = "POSTHORN_METRICS_ENDPOINT_LABELS";
    public static final String CONFIG_FILE = "POSTHORN_CONFIG_FILE";
    public static final String LOG_LEVEL = "POSTHORN_LOG_LEVEL";
    public static final String JAVA_OPTS = "POSTHORN_JAVA_OPTS";

    private static final Set<Service> ALL = EnumSet.allOf(Service.class);

    private static final List<Setting> TABLE = List.of(
            row(DATABASE_URL, null, EnumSet.of(RELAY, ADMIN, CLI, RECEIVER), false,
                    "JDBC URL of the application's Postgres (wal_level=logical), e.g. `jdbc:postgresql://db:5432/app`"),
            row(DATABASE_USER, "postgres", EnumSet.of(RELAY, ADMIN, CLI, RECEIVER), false,
                    "database role; the relay's role needs REPLICATION"),
            row(DATABASE_PASSWORD, "", EnumSet.of(RELAY, ADMIN, CLI, RECEIVER), true, "password of that role"),
            row(DATABASE_SCHEMA, "public", EnumSet.of(RELAY, ADMIN, CLI, RECEIVER), false,
                    "schema holding `posthorn_outbox` and `posthorn_subscriptions`"),
            row(KAFKA_BOOTSTRAP, null, EnumSet.of(RELAY, DELIVER, ADMIN, CLI), false,
                    "Kafka bootstrap servers, `host:port[,host:port]`"),
            row(SECRET_KEY, null, EnumSet.of(DELIVER, ADMIN, CLI, RECEIVER), true,
                    "base64 of 32 random bytes (`openssl rand -base64 32`): AES-256-GCM key sealing subscription secrets;"
                            + " `outbox install` re-seals secrets of older releases with it"),
            row(TOPIC_PREFIX, "posthorn", ALL, false, "prefix of every Posthorn topic (`<prefix>.events`, …)"),
            row(EVENTS_PARTITIONS, "6", EnumSet.of(RELAY, DELIVER), false,
                    "partitions of the events, retry and inbox topics when Posthorn creates them; caps delivery instances"),
            row(REPLICATION_FACTOR, "1", EnumSet.of(RELAY, DELIVER), false,
                    "replication factor of created topics (min.insync.replicas = RF-1 when RF > 1)"),
            row(RELAY_SLOT, "posthorn", EnumSet.of(RELAY, ADMIN, CLI), false,
                    "logical replication slot (pgoutput): `outbox install` creates it, so Postgres keeps every event's WAL from install on; the relay reads it"),
            row(RELAY_PUBLICATION, "posthorn", EnumSet.of(RELAY, ADMIN, CLI), false, "publication over the two tables"),
            row(RELAY_SNAPSHOT_MODE, "subscriptions", EnumSet.of(RELAY), false,
                    "`subscriptions`: on a slot without offsets (first start), publish every existing subscription, then stream from the slot's creation (install); any other value is a Debezium snapshot.mode (`no_data` skips what was committed before the first start, `initial` also relays rows kept in the outbox table)"),
            row(RELAY_SLOT_WAL_WARNING, "1GiB", EnumSet.of(RELAY, CLI), false,
                    "warn (relay /health and log, `outbox check`) when the slot retains more WAL than this: a slot nobody reads keeps WAL until the disk is full"),
            row(RELAY_HEARTBEAT, "10s", EnumSet.of(RELAY), false,
                    "heartbeat interval: keeps the slot advancing when the outbox is idle and the database busy"),
            row(RELAY_OFFSET_FILE, "", EnumSet.of(RELAY), false,
                    "store Debezium offsets in this file instead of the `<prefix>.relay-offsets` topic"),
            row(RELAY_LINGER, "10ms", EnumSet.of(RELAY), false, "Kafka producer linger.ms of the relay (measured best of 5, 10, 20 ms here)"),
            row(DELIVERY_GROUP, "posthorn-delivery", EnumSet.of(DELIVER, ADMIN, CLI), false, "consumer group of the delivery instances"),
            row(DELIVERY_RETRY_SCHEDULE, "5s,30s,2m,10m,1h,6h", EnumSet.of(DELIVER, ADMIN, CLI), false,
                    "delay of each retry tier (one topic each, ±20 % jitter); after the last, the DLQ"),
            row(DELIVERY_CONNECT_TIMEOUT, "5s", EnumSet.of(DELIVER), false, "HTTP connect timeout"),
            row(DELIVERY_RESPONSE_TIMEOUT, "15s", EnumSet.of(DELIVER), false, "HTTP response timeout"),
            row(DELIVERY_REQUEST_TIMEOUT, "30s", EnumSet.of(DELIVER), false,
                    "total deadline per request, connect to last response byte"),
            row(DELIVERY_MAX_IN_FLIGHT, "256", EnumSet.of(DELIVER), false, "deliveries in flight per instance"),
            row(DELIVERY_MAX_IN_FLIGHT_PER_ENDPOINT, "16", EnumSet.of(DELIVER), false,
                    "deliveries in flight per endpoint (host:port), so one slow endpoint holds only its own slots"),
            row(DELIVERY_ALLOW, "", EnumSet.of(DELIVER), false,
                    "comma-separated CIDRs exempt from the SSRF guard (e.g. `10.0.0.0/8`); `loopback` allows 127.0.0.0/8 and ::1"),
            row(DELIVERY_DEDUPE_WINDOW, "24h", EnumSet.of(DELIVER), false, "how long inbox markers suppress duplicates"),
            row(DELIVERY_DISABLE_AFTER, "5d", EnumSet.of(DELIVER), false,
                    "disable a subscription when every attempt to it has failed for this long (reason `failing since"
                            + " <time>`, announced as `posthorn.subscription.disabled`); enabling it again (or any change"
                            + " to it) restarts the clock; a 410 still disables at once"),
            row(ATTEMPTS_RETENTION, "7d", EnumSet.of(DELIVER), false,
                    "retention of `<prefix>.attempts`, the delivery log (one record per attempt) behind `events show` and"
                            + " `/_webhooks/events/{id}`; applies when the topic is created"),
            row(ATTEMPTS_RESPONSE_BYTES, "1KiB", EnumSet.of(DELIVER), false,
                    "first bytes of each response body kept in its attempt record (at most 1KiB); 0 keeps none"),
            row(ADMIN_BIND, "127.0.0.1", EnumSet.of(ADMIN), false, "address the admin API listens on"),
            row(ADMIN_PORT, "8080", EnumSet.of(ADMIN), false, "admin API port (also serves /health and /metrics)"),
            row(ADMIN_TOKEN, null, EnumSet.of(ADMIN), true,
                    "bearer token required by the admin API (`Authorization: Bearer …`)"),
            row(ADMIN_AUTH, "token", EnumSet.of(ADMIN), false,
                    "`token` requires POSTHORN_ADMIN_TOKEN; `off` turns authentication off explicitly, and the API then"
                            + " answers only requests whose Host and Origin are local (127.0.0.1, localhost, [::1])"),
            row(METRICS_PORT, "9400", EnumSet.of(RELAY, DELIVER, ADMIN, RECEIVER), false,
                    "port of /health and /metrics of every service (`posthorn health` and the container healthcheck probe it); 0 turns it off"),
            row(METRICS_ENDPOINT_LABELS, "false", EnumSet.of(DELIVER), false,
                    "`true` tags delivery metrics (delivered, failures, latency) with each subscriber's host:port; off by"
                            + " default, so /metrics does not tell who the subscribers are"),
            row(CONFIG_FILE, "", ALL, false,
                    "a properties file with any of these keys; environment variables override it"),
            row(LOG_LEVEL, "INFO", ALL, false, "log level of Posthorn's own loggers (read by the logging setup)"),
            row(JAVA_OPTS, "", ALL, false, "extra JVM options for the `./posthorn` launcher (e.g. `-Xmx2g`, a JFR recording)"));

    private static final Map<String, Setting> BY_KEY = TABLE.stream()
            .collect(Collectors.toMap(Setting::key, s -> s, (a, b) -> a, LinkedHashMap::new));

    private Settings() {}

    private static Setting row(String key, String defaultValue, Set<Service> services, boolean secret,
            String description) {
        return new Setting(key, defaultValue, Set.copyOf(services), secret, description);
    }

    public static List<Setting> all() {
        return TABLE;
    }

    public static Optional<Setting> find(String key) {
        return Optional.ofNullable(BY_KEY.get(key));
    }

    /** The table as the README shows it. */
    public static String markdownTable() {
        StringBuilder out = new StringBuilder();
        out.append("| key | default | used by | meaning |\n|---|---|---|---|\n");
        for (Setting s : TABLE) {
            String services = s.services().size() == ALL.size()
                    ? "all"
                    : EnumSet.copyOf(s.services()).stream().map(Service::label).collect(Collectors.joining(", "));
            String def = s.defaultValue() == null ? "—" : s.defaultValue().isEmpty() ? "(empty)" : "`" + s.defaultValue() + "`";
            out.append("| `").append(s.key()).append("` | ").append(def).append(" | ").append(services)
                    .append(" | ").append(s.description()).append(s.secret() ? " (secret)" : "").append(" |\n");
        }
        return out.toString();
    }
}
