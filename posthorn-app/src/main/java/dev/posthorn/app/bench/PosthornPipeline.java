package dev.posthorn.app.bench;

import dev.posthorn.delivery.DeliveryConfig;
import dev.posthorn.delivery.DeliveryService;
import dev.posthorn.delivery.Topics;
import dev.posthorn.outbox.Outbox;
import dev.posthorn.outbox.Subscriptions;
import dev.posthorn.relay.RelayConfig;
import dev.posthorn.relay.RelayService;
import dev.posthorn.signature.SecretCipher;
import dev.posthorn.embedded.Postgres;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Posthorn itself, in this process: the outbox schema in a schema of the run's own, the relay
 * (Debezium → Kafka) and the delivery consumer, all under names unique to this run so that given
 * servers can be shared. Closing stops both services and, on given servers, removes what the run
 * created (replication slot, publication, schema, topics).
 */
final class PosthornPipeline implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    private static final long QUIET_CHECK_MILLIS = 50;

    /** Names of everything the run creates. */
    record Names(String schema, String publication, String slot, String topicPrefix, String groupId) {
        static Names fresh() {
            String run = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
            return new Names("posthorn_bench_" + run, "posthorn_bench_" + run, "posthorn_bench_" + run,
                    "posthorn-bench-" + run, "posthorn-bench-" + run + "-delivery");
        }
    }

    private final BenchServers servers;
    private final Names names;
    private final Outbox outbox;
    private final Subscriptions subscriptions;
    private final DeliveryCounters deliveryCounters = new DeliveryCounters();
    private RelayService relay;
    private DeliveryService delivery;

    private PosthornPipeline(BenchServers servers, Names names, Outbox outbox, Subscriptions subscriptions) {
        this.servers = servers;
        this.names = names;
        this.outbox = outbox;
        this.subscriptions = subscriptions;
    }

    /** Installs the schema, then starts the relay (waiting until it streams) and the delivery consumer. */
    static PosthornPipeline start(BenchSettings settings, BenchServers servers, Console console) throws Exception {
        Names names = Names.fresh();
        String secretKey = SecretCipher.generateKey();
        Outbox outbox = Outbox.builder()
                .schema(names.schema())
                .publication(names.publication())
                .slotName(names.slot())
                .secretCipher(SecretCipher.fromBase64Key(secretKey))
                .build();
        Postgres postgres = servers.postgres();
        try (Connection connection = postgres.connect()) {
            outbox.install(connection);
        }
        PosthornPipeline pipeline = new PosthornPipeline(servers, names, outbox, outbox.subscriptions(dataSource(postgres)));
        try {
            pipeline.startRelay(settings, console);
            pipeline.startDelivery(settings, secretKey, console);
            return pipeline;
        } catch (Exception e) {
            pipeline.close();
            throw e;
        }
    }

    private void startRelay(BenchSettings settings, Console console) throws InterruptedException {
        Postgres postgres = servers.postgres();
        relay = new RelayService(RelayConfig.builder()
                .databaseUrl(postgres.jdbcUrl())
                .user(postgres.user())
                .password(postgres.password())
                .schema(names.schema())
                .publicationName(names.publication())
                .slotName(names.slot())
                .kafkaBootstrap(servers.kafka().bootstrapServers())
                .topicPrefix(names.topicPrefix())
                .eventsPartitions(settings.partitions())
                .build());
        console.line("starting the relay (slot " + names.slot() + ", topics " + names.topicPrefix() + ".*)");
        relay.start();
        if (!relay.awaitStreaming(START_TIMEOUT)) {
            throw new IllegalStateException("the relay did not start streaming within " + START_TIMEOUT.toSeconds()
                    + " s (state " + relay.state() + ")");
        }
    }

    /** What the bench sets on delivery; the baselines that POST take their HTTP settings from it too. */
    static DeliveryConfig.Builder deliveryConfig(BenchSettings settings) {
        return DeliveryConfig.builder()
                .allowLoopback(true)
                .responseTimeout(settings.responseTimeout())
                .maxInFlightPerEndpoint(settings.concurrency());
    }

    private void startDelivery(BenchSettings settings, String secretKey, Console console) throws InterruptedException {
        delivery = new DeliveryService(deliveryConfig(settings)
                .bootstrapServers(servers.kafka().bootstrapServers())
                .topicPrefix(names.topicPrefix())
                .groupId(names.groupId())
                .secretKey(secretKey)
                .partitions(settings.partitions())
                .listener(deliveryCounters)
                .build());
        console.line("starting the delivery consumer (group " + names.groupId() + ", " + settings.concurrency()
                + " in flight per endpoint, response timeout " + settings.responseTimeout().toMillis() + " ms)");
        delivery.start();
        if (!delivery.awaitRunning(START_TIMEOUT)) {
            throw new IllegalStateException("the delivery consumer was not running within " + START_TIMEOUT.toSeconds()
                    + " s (state " + delivery.state() + ")");
        }
    }

    private static PGSimpleDataSource dataSource(Postgres postgres) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(postgres.jdbcUrl());
        dataSource.setUser(postgres.user());
        dataSource.setPassword(postgres.password());
        return dataSource;
    }

    Outbox outbox() {
        return outbox;
    }

    String kafkaBootstrap() {
        return servers.kafka().bootstrapServers();
    }

    Topics topics() {
        return new Topics(names.topicPrefix());
    }

    String groupId() {
        return names.groupId();
    }

    /** Subscribes {@code url} to every topic under {@code topicBase} and returns the subscription id. */
    UUID subscribe(String topicBase, URI url, String secret) throws SQLException {
        return subscriptions.add(topicBase + ".*", url.toString(), Optional.of(secret), false).id();
    }

    DeliveryCounters.Responses responses() {
        return deliveryCounters.responses();
    }

    /** One line on what the relay and the delivery consumer have done so far. */
    /**
     * Waits until the delivery consumer has been quiet (see {@link DeliveryCounters#quiet}) for
     * {@code settle} without a break, at most {@code max}: each phase then starts from rest instead of
     * on the tail of the previous one (its markers, commits and backlog).
     *
     * @return whether it settled
     */
    boolean awaitQuiet(Duration settle, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        long quietSince = 0;
        while (System.nanoTime() - deadline < 0) {
            if (!deliveryCounters.quiet()) {
                quietSince = 0;
            } else if (quietSince == 0) {
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince >= settle.toNanos()) {
                return true;
            }
            Thread.sleep(QUIET_CHECK_MILLIS);
        }
        return false;
    }

    String status() {
        return "relay: relayed " + relay.stats().eventsRelayed() + "; " + deliveryCounters.summary();
    }

    /**
     * Stops the delivery consumer (it drains what is in flight, so that every outcome is durable)
     * and then the relay. Idempotent.
     */
    void stopServices() {
        try {
            if (delivery != null) {
                delivery.close(STOP_TIMEOUT);
            }
        } finally {
            if (relay != null) {
                relay.close(STOP_TIMEOUT);
            }
        }
    }

    @Override
    public void close() {
        stopServices();
        if (!servers.embedded()) {
            removeRunObjects();
        }
    }

    private void removeRunObjects() {
        try (Connection connection = servers.postgres().connect(); Statement ddl = connection.createStatement()) {
            try (PreparedStatement dropSlot = connection.prepareStatement(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
                dropSlot.setString(1, names.slot());
                dropSlot.execute();
            }
            ddl.execute("DROP PUBLICATION IF EXISTS " + names.publication());
            ddl.execute("DROP SCHEMA IF EXISTS " + names.schema() + " CASCADE");
        } catch (SQLException e) {
            System.err.println("bench: could not remove " + names + " from Postgres: " + e.getMessage());
        }
        try (Admin admin = servers.kafka().admin()) {
            List<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(topic -> topic.startsWith(names.topicPrefix() + ".")).toList();
            admin.deleteTopics(topics).all().get(30, TimeUnit.SECONDS);
            List<String> groups = admin.listGroups().all().get(30, TimeUnit.SECONDS).stream()
                    .map(group -> group.groupId())
                    .filter(group -> group.startsWith(names.topicPrefix()))
                    .toList();
            admin.deleteConsumerGroups(groups).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("bench: could not delete the topics and groups " + names.topicPrefix() + ".*: " + e.getMessage());
        }
    }
}
