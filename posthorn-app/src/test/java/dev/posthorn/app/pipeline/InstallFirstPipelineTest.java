package dev.posthorn.app.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.posthorn.outbox.Outbox;
import dev.posthorn.outbox.OutboxEvent;
import dev.posthorn.outbox.SubscriptionChange;
import dev.posthorn.signature.SecretCipher;
import dev.posthorn.signature.VerifyingHttpHandler;
import dev.posthorn.signature.WebhookVerifier;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PostgresServer;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Posthorn as an operator deploys it: the application's migration installs the schema, subscriptions
 * are added and events published while no relay has ever run; relay and delivery start later, each in a
 * JVM of its own ({@code posthorn relay}, {@code posthorn deliver}), and a real HTTP receiver that
 * verifies signatures must get every event, byte for byte as the publisher wrote it (in canonical form).
 * The subscription's secret is stored as an older release sealed it, and the install re-seals it.
 */
@PosthornIntegrationTest
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class InstallFirstPipelineTest {

    /** The payload as the publisher writes it: numbers that jsonb would rewrite. */
    private static final String NUMBERS = "{\"big_int\": 123456789012345678901234567890, \"e16\": 1e16,"
            + " \"e300\": 1.5e300, \"hundred\": 100.0, \"neg_zero\": -0.0, \"int_neg_zero\": -0, \"tiny\": 1e-7,"
            + " \"small\": 0.0001, \"plain\": 1.50, \"exp_int\": 1E2, \"list\": [1, 1.0, 10000000000000000, 1e16, 0.1,"
            + " 123.456e5, -1.5E-10, 1e22, 1e21], \"max\": 1.7976931348623157e308, \"min_subnormal\": 5e-324,"
            + " \"rounded\": 0.30000000000000004, \"long_decimal\": 12345678901234567890.0123456789,"
            + " \"text\": \"h\\u00e9llo \\u2603 \\ud83d\\ude00\"}";

    /**
     * Generated with CPython 3.11: {@code json.dumps(json.loads(NUMBERS), sort_keys=True, separators=(",", ":"))}.
     * Hard-coded so that the test needs no Python, and so that it compares with CPython, not with our own code.
     */
    private static final String NUMBERS_AS_CPYTHON_WRITES_THEM = "{\"big_int\":123456789012345678901234567890,"
            + "\"e16\":1e+16,\"e300\":1.5e+300,\"exp_int\":100.0,\"hundred\":100.0,\"int_neg_zero\":0,"
            + "\"list\":[1,1.0,10000000000000000,1e+16,0.1,12345600.0,-1.5e-10,1e+22,1e+21],"
            + "\"long_decimal\":1.2345678901234567e+19,\"max\":1.7976931348623157e+308,\"min_subnormal\":5e-324,"
            + "\"neg_zero\":-0.0,\"plain\":1.5,\"rounded\":0.30000000000000004,\"small\":0.0001,"
            + "\"text\":\"h\\u00e9llo \\u2603 \\ud83d\\ude00\",\"tiny\":1e-07}";

    @Test
    void eventsAndSubscriptionsFromBeforeTheRelayFirstRanAreDeliveredAsWritten(PostgresServer postgres,
            KafkaBroker kafka, TestScope scope) throws Exception {
        String secretKey = SecretCipher.generateKey();
        Outbox outbox = Outbox.builder().schema(scope.schema()).publication(scope.publicationName())
                .slotName(scope.slotName()).secretCipher(SecretCipher.fromBase64Key(secretKey)).build();
        try (Connection c = postgres.connect()) {
            outbox.install(c); // the application's migration
        }

        Map<String, byte[]> received = new ConcurrentHashMap<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        ExecutorService receiverThreads = Executors.newFixedThreadPool(4);
        receiver.setExecutor(receiverThreads);
        try {
            String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks";
            SubscriptionChange subscription = outbox.subscriptions(dataSource(postgres, scope))
                    .add("order.*", url, Optional.empty(), false);
            String secret = subscription.generatedSecret().orElseThrow();
            // An upgrade: the row holds the secret as an install from before secrets were bound to their
            // subscription sealed it (v1:); the upgrade's install re-seals it and delivery signs with it.
            try (Connection c = postgres.connect(scope.schema());
                    java.sql.PreparedStatement old = c.prepareStatement("UPDATE posthorn_subscriptions SET secret = ? WHERE id = ?")) {
                old.setString(1, sealV1(secretKey, secret));
                old.setObject(2, subscription.id());
                assertThat(old.executeUpdate()).isEqualTo(1);
            }
            try (Connection c = postgres.connect()) {
                outbox.install(c);
            }
            WebhookVerifier verifier = WebhookVerifier.builder().secret(secret).build();
            receiver.createContext("/hooks", new VerifyingHttpHandler(verifier, exchange -> {
                received.put(exchange.getRequestHeaders().getFirst("webhook-id"), VerifyingHttpHandler.verifiedBody(exchange));
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            }));
            receiver.start();

            Set<String> published = new HashSet<>();
            String numbersEvent;
            try (Connection c = postgres.connect(scope.schema())) {
                c.setAutoCommit(false);
                outbox.publishAll(c, List.of(OutboxEvent.of("order.placed", "o-1", "{\"n\":1}"),
                        OutboxEvent.of("order.placed", "o-2", "{\"n\":2}"))).forEach(id -> published.add(id.toString()));
                c.commit();
                numbersEvent = outbox.publish(c, "order.numbers", "o-3", NUMBERS).toString();
                published.add(numbersEvent);
                c.commit();
            }

            Map<String, String> env = environment(postgres, kafka, scope, secretKey);
            Map<String, String> relayEnv = new HashMap<>(env);
            int relayHealthPort = freePort();
            relayEnv.put("POSTHORN_METRICS_PORT", Integer.toString(relayHealthPort));
            try (ServiceProcess relay = new ServiceProcess("relay", relayEnv, scope.id() + "-relay");
                    ServiceProcess delivery = new ServiceProcess("deliver", env, scope.id() + "-deliver")) {
                Await.until(Duration.ofSeconds(180), "every event published before the relay first ran, delivered"
                        + " (have " + received.keySet() + ")", () -> {
                    requireAlive(relay, delivery);
                    return received.keySet().containsAll(published);
                });
                assertThat(received.keySet()).as("delivered event ids equal the published ones").isEqualTo(published);
                assertThat(subscriptionKeys(kafka, scope)).as("the subscription is known on the subscriptions topic")
                        .contains(subscription.id().toString());

                String body = new String(received.get(numbersEvent), StandardCharsets.US_ASCII);
                assertThat(body).as("the payload bytes equal CPython's json.dumps of the published document")
                        .contains("\"payload\":" + NUMBERS_AS_CPYTHON_WRITES_THEM + ",\"topic\":\"order.numbers\"");
                assertThat(body).startsWith("{\"created_at\":\"").endsWith(",\"topic\":\"order.numbers\",\"version\":1}");

                String health = Await.value(Duration.ofSeconds(30), "the relay's /health with the slot measured",
                        () -> Optional.of(get("http://127.0.0.1:" + relayHealthPort + "/health"))
                                .filter(h -> h.contains("retains")));
                assertThat(health).containsPattern("STREAMING; slot " + scope.slotName() + " retains \\d+ bytes of WAL")
                        .doesNotContain("WARNING");
            }
        } finally {
            receiver.stop(0);
            receiverThreads.shutdownNow();
        }
    }

    /** {@code "v1:"} + base64(nonce, AES-256-GCM with the fixed associated data of that format), with the JDK alone. */
    private static String sealV1(String base64Key, String secret) throws java.security.GeneralSecurityException {
        byte[] nonce = new byte[12];
        new java.security.SecureRandom().nextBytes(nonce);
        javax.crypto.Cipher aes = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
        aes.init(javax.crypto.Cipher.ENCRYPT_MODE,
                new javax.crypto.spec.SecretKeySpec(java.util.Base64.getDecoder().decode(base64Key), "AES"),
                new javax.crypto.spec.GCMParameterSpec(128, nonce));
        aes.updateAAD("posthorn/subscription-secret/v1".getBytes(StandardCharsets.UTF_8));
        byte[] sealed = aes.doFinal(secret.getBytes(StandardCharsets.UTF_8));
        byte[] all = new byte[nonce.length + sealed.length];
        System.arraycopy(nonce, 0, all, 0, nonce.length);
        System.arraycopy(sealed, 0, all, nonce.length, sealed.length);
        return "v1:" + java.util.Base64.getEncoder().encodeToString(all);
    }

    private static void requireAlive(ServiceProcess... services) {
        for (ServiceProcess service : services) {
            if (!service.isAlive()) {
                try {
                    throw new IllegalStateException("a service died:\n" + service.output());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String get(String url) {
        try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
            return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.io.IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> environment(PostgresServer postgres, KafkaBroker kafka, TestScope scope,
            String secretKey) {
        Map<String, String> env = new HashMap<>();
        env.put("POSTHORN_DATABASE_URL", postgres.jdbcUrl());
        env.put("POSTHORN_DATABASE_USER", postgres.user());
        env.put("POSTHORN_DATABASE_PASSWORD", postgres.password());
        env.put("POSTHORN_DATABASE_SCHEMA", scope.schema());
        env.put("POSTHORN_KAFKA_BOOTSTRAP", kafka.bootstrapServers());
        env.put("POSTHORN_SECRET_KEY", secretKey);
        env.put("POSTHORN_TOPIC_PREFIX", scope.topicPrefix());
        env.put("POSTHORN_EVENTS_PARTITIONS", "3");
        env.put("POSTHORN_RELAY_SLOT", scope.slotName());
        env.put("POSTHORN_RELAY_PUBLICATION", scope.publicationName());
        env.put("POSTHORN_DELIVERY_GROUP", scope.unique("delivery"));
        env.put("POSTHORN_DELIVERY_ALLOW", "loopback");
        env.put("POSTHORN_METRICS_PORT", "0");
        return env;
    }

    private static PGSimpleDataSource dataSource(PostgresServer postgres, TestScope scope) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(postgres.jdbcUrl(scope.schema()));
        ds.setUser(postgres.user());
        ds.setPassword(postgres.password());
        return ds;
    }

    /** Keys of every record on {@code <prefix>.subscriptions} now. */
    private static Set<String> subscriptionKeys(KafkaBroker kafka, TestScope scope) {
        String topic = scope.topicPrefix() + ".subscriptions";
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Set<String> keys = new HashSet<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Await.until(Duration.ofSeconds(30), "end of " + topic, () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> keys.add(r.key()));
                return partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
            });
        }
        return keys;
    }
}
