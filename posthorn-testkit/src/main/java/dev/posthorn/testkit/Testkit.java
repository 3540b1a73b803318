package dev.posthorn.testkit;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Postgres and Kafka shared by every test in one JVM, started on first use and stopped at exit.
 *
 * <p>By default both are embedded and real. Point tests at servers you run yourself with
 * <ul>
 *   <li>{@code POSTHORN_TEST_POSTGRES_URL} (a JDBC URL), {@code POSTHORN_TEST_POSTGRES_USER},
 *       {@code POSTHORN_TEST_POSTGRES_PASSWORD}; the server needs {@code wal_level=logical};</li>
 *   <li>{@code POSTHORN_TEST_KAFKA_BOOTSTRAP} (host:port list).</li>
 * </ul>
 * Environment variables or system properties of the same name (lower case, dots) both work.
 */
public final class Testkit {

    private static final Logger log = LoggerFactory.getLogger(Testkit.class);

    private static PostgresServer postgres;
    private static KafkaBroker kafka;
    private static Duration postgresStartup = Duration.ZERO;
    private static Duration kafkaStartup = Duration.ZERO;

    private Testkit() {}

    public static synchronized PostgresServer postgres() {
        if (postgres == null) {
            long start = System.nanoTime();
            postgres = setting("POSTHORN_TEST_POSTGRES_URL")
                    .<PostgresServer>map(url -> new ExternalPostgresServer(url,
                            setting("POSTHORN_TEST_POSTGRES_USER").orElse("postgres"),
                            setting("POSTHORN_TEST_POSTGRES_PASSWORD").orElse("postgres")))
                    .orElseGet(EmbeddedPostgresServer::startTemporary);
            postgresStartup = Duration.ofNanos(System.nanoTime() - start);
            log.info("Test Postgres ready in {} ms: {}", postgresStartup.toMillis(), postgres);
            closeAtExit(postgres);
        }
        return postgres;
    }

    public static synchronized KafkaBroker kafka() {
        if (kafka == null) {
            long start = System.nanoTime();
            kafka = setting("POSTHORN_TEST_KAFKA_BOOTSTRAP")
                    .<KafkaBroker>map(ExternalKafkaBroker::new)
                    .orElseGet(EmbeddedKafkaBroker::startTemporary);
            kafkaStartup = Duration.ofNanos(System.nanoTime() - start);
            log.info("Test Kafka ready in {} ms: {}", kafkaStartup.toMillis(), kafka);
            closeAtExit(kafka);
        }
        return kafka;
    }

    /** How long the shared servers took to start (zero if not started, or started by someone else). */
    public static synchronized Map<String, Duration> startupTimes() {
        return Map.of("postgres", postgresStartup, "kafka", kafkaStartup);
    }

    private static void closeAtExit(AutoCloseable server) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                log.warn("Could not stop {} cleanly: {}", server, e.toString());
            }
        }, "testkit-shutdown"));
    }

    static Optional<String> setting(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            value = System.getProperty(name.toLowerCase().replace('_', '.'));
        }
        return Optional.ofNullable(value).filter(v -> !v.isBlank());
    }
}
