package dev.posthorn.app.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.DeliveryConfig;
import dev.posthorn.outbox.Outbox;
import dev.posthorn.outbox.SubscriptionChange;
import dev.posthorn.relay.RelayConfig;
import dev.posthorn.signature.SecretCipher;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.PostgresServer;
import dev.posthorn.testkit.TestScope;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * One fault test's Posthorn: its schema, slot and topics (from the {@link TestScope}), one subscription to
 * {@code fault.*} pointing at a {@link SignedReceiver}, and the configs of relay and delivery, tuned only
 * where a test would otherwise wait on a default (restart backoff, session timeout). The database is named
 * by address, so it stays valid across a restart of the server on the same port.
 */
final class FaultPipeline {

    static final String TOPIC = "fault.event";

    final TestScope scope;
    final String host;
    final int port;
    final String database;
    final String user;
    final String password;
    final String bootstrap;
    final String secretKey = SecretCipher.generateKey();
    final Outbox outbox;
    final int partitions;

    FaultPipeline(TestScope scope, PostgresServer postgres, String bootstrap, int partitions) {
        this.scope = scope;
        this.host = postgres.host();
        this.port = postgres.port();
        this.database = postgres.database();
        this.user = postgres.user();
        this.password = postgres.password();
        this.bootstrap = bootstrap;
        this.partitions = partitions;
        this.outbox = Outbox.builder().schema(scope.schema()).publication(scope.publicationName())
                .slotName(scope.slotName()).secretCipher(SecretCipher.fromBase64Key(secretKey)).build();
    }

    /** JDBC URL with short timeouts, so that a dead server fails a call instead of hanging it. */
    String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database + "?connectTimeout=5&socketTimeout=30"
                + "&currentSchema=" + scope.schema();
    }

    Connection connect() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        return DriverManager.getConnection(jdbcUrl(), props);
    }

    /** The application's migration: schema, tables, publication and slot. */
    FaultPipeline install() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS " + scope.schema());
            outbox.install(c);
        }
        return this;
    }

    /** Subscribes the receiver to {@code fault.*} with a generated secret, and tells the receiver that secret. */
    String subscribe(SignedReceiver receiver) throws SQLException {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(jdbcUrl());
        ds.setUser(user);
        ds.setPassword(password);
        SubscriptionChange change = outbox.subscriptions(ds).add("fault.*", receiver.url(), Optional.empty(), false);
        receiver.verifyWith(change.generatedSecret().orElseThrow());
        return change.id().toString();
    }

    Publisher publisher(int perSecond) {
        return new Publisher(this::connect, outbox, TOPIC, perSecond);
    }

    RelayConfig.Builder relay() {
        return RelayConfig.builder()
                .host(host).port(port).database(database).user(user).password(password)
                .schema(scope.schema()).slotName(scope.slotName()).publicationName(scope.publicationName())
                .kafkaBootstrap(bootstrap).topicPrefix(scope.topicPrefix()).eventsPartitions(partitions)
                .offsetFlushInterval(Duration.ofSeconds(1))
                .standbyPollInterval(Duration.ofMillis(500))
                .leaderCheckInterval(Duration.ofMillis(250))
                .restartBackoff(Duration.ofMillis(500));
    }

    DeliveryConfig.Builder delivery() {
        return DeliveryConfig.builder()
                .bootstrapServers(bootstrap).topicPrefix(scope.topicPrefix()).groupId(scope.unique("delivery"))
                .secretKey(secretKey).partitions(partitions).allowLoopback(true)
                // Long enough that nothing reaches the DLQ during an outage of a few seconds.
                .retrySchedule(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5),
                        Duration.ofSeconds(10), Duration.ofSeconds(30)))
                .commitInterval(Duration.ofMillis(200))
                .kafkaProperties(Map.of("session.timeout.ms", "6000", "heartbeat.interval.ms", "1500"));
    }

    /** The environment of a {@code posthorn relay} or {@code posthorn deliver} JVM for this pipeline. */
    Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        env.put("POSTHORN_DATABASE_URL", "jdbc:postgresql://" + host + ":" + port + "/" + database);
        env.put("POSTHORN_DATABASE_USER", user);
        env.put("POSTHORN_DATABASE_PASSWORD", password);
        env.put("POSTHORN_DATABASE_SCHEMA", scope.schema());
        env.put("POSTHORN_KAFKA_BOOTSTRAP", bootstrap);
        env.put("POSTHORN_SECRET_KEY", secretKey);
        env.put("POSTHORN_TOPIC_PREFIX", scope.topicPrefix());
        env.put("POSTHORN_EVENTS_PARTITIONS", Integer.toString(partitions));
        env.put("POSTHORN_RELAY_SLOT", scope.slotName());
        env.put("POSTHORN_RELAY_PUBLICATION", scope.publicationName());
        env.put("POSTHORN_DELIVERY_GROUP", scope.unique("delivery"));
        env.put("POSTHORN_DELIVERY_ALLOW", "loopback");
        env.put("POSTHORN_DELIVERY_RETRY_SCHEDULE", "1s,2s,5s,10s,30s");
        env.put("POSTHORN_METRICS_PORT", "0");
        return env;
    }

    /**
     * Waits until every committed id was delivered (verified) to the receiver, then prints the fault's one
     * line {@code FAULT <name> committed=… delivered=… lost=… duplicates=…} and asserts that nothing was lost.
     * {@code delivered} counts distinct event ids received; {@code duplicates} counts requests beyond the first
     * per id; ids of transactions whose commit threw (in doubt) may arrive or not and are reported apart.
     */
    static void awaitAndReport(String name, Publisher publisher, SignedReceiver receiver, Duration timeout,
            Runnable stillRunning) {
        Set<String> committed = Set.copyOf(publisher.committed());
        try {
            Await.until(timeout, "every committed event delivered", () -> {
                stillRunning.run();
                return receiver.deliveries().keySet().containsAll(committed);
            });
        } catch (AssertionError timedOut) {
            report(name, committed, publisher, receiver);
            throw timedOut;
        }
        report(name, committed, publisher, receiver);
    }

    private static void report(String name, Set<String> committed, Publisher publisher, SignedReceiver receiver) {
        Map<String, Integer> received = Map.copyOf(receiver.deliveries());
        Set<String> lost = new HashSet<>(committed);
        lost.removeAll(received.keySet());
        int duplicates = received.values().stream().mapToInt(n -> n - 1).sum();
        Set<String> unexpected = new HashSet<>(received.keySet());
        unexpected.removeAll(committed);
        long inDoubtDelivered = unexpected.stream().filter(publisher.inDoubt()::contains).count();
        unexpected.removeAll(publisher.inDoubt());
        System.out.printf("FAULT %s committed=%d delivered=%d lost=%d duplicates=%d%n", name, committed.size(),
                received.size(), lost.size(), duplicates);
        System.out.printf("FAULT_DETAIL %s in_doubt=%d in_doubt_delivered=%d never_published=%d"
                + " publisher_errors=%d lost_ids=%s%n", name, publisher.inDoubt().size(), inDoubtDelivered,
                unexpected.size(), publisher.failures(), lost.stream().limit(10).toList());
        assertThat(lost).as("committed events never delivered").isEmpty();
        assertThat(unexpected).as("delivered ids that were never published").isEmpty();
    }
}
