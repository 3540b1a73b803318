package dev.posthorn.app.dev;

import dev.posthorn.app.admin.AdminServer;
import dev.posthorn.app.config.ConfigReader;
import dev.posthorn.app.config.Settings;
import dev.posthorn.app.config.Wiring;
import dev.posthorn.app.demo.DemoReceiver;
import dev.posthorn.app.metrics.DeliveryMetrics;
import dev.posthorn.app.metrics.Observability;
import dev.posthorn.app.metrics.Observability.Health;
import dev.posthorn.app.metrics.RelayMetrics;
import dev.posthorn.app.ops.Operations;
import dev.posthorn.delivery.DeliveryService;
import dev.posthorn.outbox.Outbox;
import dev.posthorn.relay.RelayService;
import dev.posthorn.signature.SecretCipher;
import dev.posthorn.embedded.EmbeddedKafka;
import dev.posthorn.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The whole pipeline on one machine: embedded Postgres (logical) and an in-process Kafka broker, both
 * keeping their data under {@code <home>}, the schema, relay, delivery (loopback allowed), the admin
 * API without authentication, and a demo receiver that verifies signatures.
 */
public final class DevStack implements AutoCloseable {

    /**
     * Where and on which ports; 0 picks a free port.
     *
     * @param persistent keep Postgres and Kafka data under {@code home} across runs
     */
    public record Options(Path home, int adminPort, int receiverPort, int kafkaPort, int postgresPort,
            boolean persistent, Map<String, String> environment) {}

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final PrintStream out;
    private EmbeddedPostgres postgres;
    private EmbeddedKafka kafka;
    private RelayService relay;
    private DeliveryService delivery;
    private AdminServer admin;
    private DemoReceiver receiver;
    private Operations operations;
    private DevConnection connection;

    private DevStack(PrintStream out) {
        this.out = out;
    }

    public static DevStack start(Options options, PrintStream out) throws Exception {
        DevStack stack = new DevStack(out);
        try {
            stack.startAll(options);
            return stack;
        } catch (Exception | Error e) {
            stack.close();
            throw e;
        }
    }

    private void startAll(Options options) throws Exception {
        Path home = options.home().toAbsolutePath();
        Files.createDirectories(home);
        Clock clock = Clock.systemUTC();

        postgres = step("Postgres 17 (wal_level=logical) in " + home.resolve("postgres"), () ->
                EmbeddedPostgres.start(home.resolve("postgres"), options.postgresPort(), options.persistent()));
        started.push(postgres);
        kafka = step("Kafka broker (KRaft, in-process) in " + home.resolve("kafka"), () ->
                EmbeddedKafka.start(home.resolve("kafka"), options.kafkaPort(), options.persistent()));
        started.push(kafka);

        Map<String, String> devSettings = new HashMap<>();
        devSettings.put(Settings.DATABASE_URL, postgres.jdbcUrl());
        devSettings.put(Settings.DATABASE_USER, postgres.user());
        devSettings.put(Settings.DATABASE_PASSWORD, postgres.password());
        devSettings.put(Settings.KAFKA_BOOTSTRAP, kafka.bootstrapServers());
        devSettings.put(Settings.SECRET_KEY, devSecretKey(home));
        devSettings.put(Settings.EVENTS_PARTITIONS, "3");
        ConfigReader config = ConfigReader.fromEnvironment(options.environment()).with(devSettings);

        Outbox outbox = Wiring.outbox(config, true, clock);
        DataSource dataSource = Wiring.dataSource(config);
        step("schema (posthorn_outbox with a json payload column, posthorn_subscriptions, publication, replication slot)", () -> {
            try (Connection c = dataSource.getConnection()) {
                outbox.install(c);
            }
            return null;
        });
        operations = new Operations(outbox, dataSource, kafka.bootstrapServers(), config.string(Settings.TOPIC_PREFIX), clock);

        Observability observability = new Observability();
        started.push(observability);
        dev.posthorn.app.tracing.Tracing tracing = dev.posthorn.app.tracing.Tracing.fromEnvironment("posthorn-dev");
        started.push(tracing);
        var relayConfig = Wiring.relay(config, new RelayMetrics(observability.registry(), tracing), clock);
        relay = step("relay (Debezium → Kafka)", () -> {
            RelayService r = new RelayService(relayConfig);
            started.push(() -> r.close(Duration.ofSeconds(10)));
            r.start();
            if (!r.awaitStreaming(Duration.ofSeconds(90))) {
                throw new IllegalStateException("relay did not start streaming: " + r.state()
                        + r.failure().map(f -> " (" + f.getMessage() + ")").orElse(""));
            }
            return r;
        });
        RelayMetrics.bindGauges(observability.registry(), () -> relay);

        var deliveryConfig = Wiring.delivery(config, new DeliveryMetrics(observability.registry(),
                config.bool(Settings.METRICS_ENDPOINT_LABELS), tracing), clock, true);
        delivery = step("delivery consumer (loopback allowed in dev)", () -> {
            DeliveryService d = new DeliveryService(deliveryConfig);
            started.push(() -> d.close(Duration.ofSeconds(10)));
            d.start();
            if (!d.awaitRunning(Duration.ofSeconds(60))) {
                throw new IllegalStateException("delivery did not start: " + d.state());
            }
            return d;
        });

        observability
                .check("postgres", () -> {
                    try (Connection c = dataSource.getConnection()) {
                        return c.isValid(2) ? Health.up(postgres.jdbcUrl()) : Health.down("connection not valid");
                    } catch (java.sql.SQLException e) {
                        return Health.down(e.getMessage());
                    }
                })
                .check("kafka", () -> kafka.isRunning() ? Health.up(kafka.bootstrapServers()) : Health.down("stopped"))
                .check("relay", () -> RelayMetrics.health(relay))
                .check("delivery", () -> DeliveryMetrics.health(delivery));

        admin = step("admin API", () -> AdminServer.start("127.0.0.1", options.adminPort(), operations,
                Optional.empty(), observability));
        started.push(admin);
        receiver = step("demo receiver", () -> DemoReceiver.start("127.0.0.1", options.receiverPort(),
                operations::validSecrets, clock, out));
        started.push(receiver);

        connection = new DevConnection(home, cliSettings(config.values()),
                "http://127.0.0.1:" + admin.port() + "/health", ProcessHandle.current().pid());
        connection.write();
        DevConnection written = connection;
        started.push(written::deleteIfOurs);
    }

    /** What the CLI needs to talk to this stack: everything it runs with but the service-only keys. */
    private static Map<String, String> cliSettings(Map<String, String> values) {
        Map<String, String> settings = new HashMap<>(values);
        settings.keySet().removeIf(key -> !key.startsWith("POSTHORN_") || key.startsWith("POSTHORN_ADMIN_")
                || java.util.Set.of(Settings.CONFIG_FILE, Settings.LOG_LEVEL, Settings.JAVA_OPTS, Settings.METRICS_PORT)
                        .contains(key));
        return settings;
    }

    /** Dev mode keeps one generated key next to its data, so subscriptions survive a restart. */
    private static String devSecretKey(Path home) throws IOException {
        Path file = home.resolve("secret.key");
        if (Files.exists(file)) {
            return Files.readString(file).trim();
        }
        String key = SecretCipher.generateKey();
        Files.writeString(file, key + "\n");
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system; the dev key protects only local test data anyway.
        }
        return key;
    }

    @FunctionalInterface
    private interface Step<T> {
        T run() throws Exception;
    }

    private <T> T step(String what, Step<T> step) throws Exception {
        out.printf("  ▸ %s … ", what);
        out.flush();
        long start = System.nanoTime();
        T result = step.run();
        out.printf("ok (%.1f s)%n", (System.nanoTime() - start) / 1e9);
        return result;
    }

    /** How the CLI reaches this stack (also kept in {@code <home>/connection.properties} while it runs). */
    public DevConnection connection() {
        return connection;
    }

    public Operations operations() {
        return operations;
    }

    public int adminPort() {
        return admin.port();
    }

    public DemoReceiver receiver() {
        return receiver;
    }

    public String kafkaBootstrap() {
        return kafka.bootstrapServers();
    }

    public String jdbcUrl() {
        return postgres.jdbcUrl();
    }

    public String postgresUser() {
        return postgres.user();
    }

    public RelayService relay() {
        return relay;
    }

    public DeliveryService delivery() {
        return delivery;
    }

    /** Stops everything in reverse order of start. */
    @Override
    public void close() {
        while (!started.isEmpty()) {
            AutoCloseable next = started.pop();
            try {
                next.close();
            } catch (Exception e) {
                out.println("  ! stopping " + next + " failed: " + e);
            }
        }
    }
}
