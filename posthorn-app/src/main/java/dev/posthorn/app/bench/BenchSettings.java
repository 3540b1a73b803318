package dev.posthorn.app.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Everything one run does, resolved once from the command line. Defaults depend on {@code quick}
 * and are written in {@link Builder}; the important knobs come first.
 *
 * @param quick the short run (≤ 2 minutes) instead of the default one (≤ 10 minutes)
 * @param events events per throughput phase: pipeline, batched pipeline, polling baseline, HTTP baseline
 * @param rate events per second of the open-loop latency phase
 * @param latencyDuration how long the latency phase generates events
 * @param concurrency delivery concurrency of the pipeline; also the polling baseline's pollers and
 *     the HTTP baseline's request loops
 * @param appThreads threads committing events (one connection each)
 * @param batchSize events per transaction in the batched variant
 * @param kafkaRecords records in the raw Kafka baseline
 * @param isolationSubscriptions subscriptions in the isolation phase, one of which hangs
 * @param isolationEvents events in each isolation run (clean and with the hanging subscriber; three rounds of both)
 * @param responseTimeout the delivery's response timeout; the hanging subscriber holds requests longer
 * @param warmupEvents events pushed through the pipeline before anything is measured
 * @param drainTimeout how long a phase waits for its last receipt before it is cut off
 * @param partitions partitions of the events topic (and of the Kafka baseline's topic)
 * @param postgresUrl a Postgres to use instead of the embedded one
 * @param postgresUser its user
 * @param postgresPassword its password
 * @param kafkaBootstrap a Kafka to use instead of the in-process one
 */
record BenchSettings(
        boolean quick,
        long events,
        double rate,
        Duration latencyDuration,
        int concurrency,
        int appThreads,
        int batchSize,
        long kafkaRecords,
        int isolationSubscriptions,
        long isolationEvents,
        Duration responseTimeout,
        long warmupEvents,
        Duration drainTimeout,
        int partitions,
        Optional<String> postgresUrl,
        String postgresUser,
        String postgresPassword,
        Optional<String> kafkaBootstrap) {

    static Builder builder(boolean quick) {
        return new Builder(quick);
    }

    /** Settings with the defaults of a default ({@code quick=false}) or a quick run; each may be overridden. */
    static final class Builder {

        private final boolean quick;
        private long events;
        private double rate = 1_000;
        private Duration latencyDuration;
        private int concurrency = 16;
        private int appThreads = 4;
        private int batchSize = 50;
        private long kafkaRecords;
        private int isolationSubscriptions = 20;
        private long isolationEvents;
        private Duration responseTimeout = Duration.ofSeconds(2);
        private long warmupEvents;
        private Duration drainTimeout = Duration.ofSeconds(60);
        private int partitions = 6;
        private String postgresUrl;
        private String postgresUser = "postgres";
        private String postgresPassword = "postgres";
        private String kafkaBootstrap;

        private Builder(boolean quick) {
            this.quick = quick;
            this.events = quick ? 5_000 : 30_000;
            this.latencyDuration = Duration.ofSeconds(quick ? 10 : 30);
            this.kafkaRecords = quick ? 20_000 : 100_000;
            // Long enough that finding the hanging endpoint (and connecting to 20 receivers) is not most of the run.
            this.isolationEvents = quick ? 500 : 2_000;
            // Fewer would leave the JIT compiling through the measured phases (it took most of a core).
            this.warmupEvents = quick ? 3_000 : 5_000;
        }

        Builder events(long events) { this.events = events; return this; }
        Builder rate(double rate) { this.rate = rate; return this; }
        Builder latencyDuration(Duration latencyDuration) { this.latencyDuration = latencyDuration; return this; }
        Builder concurrency(int concurrency) { this.concurrency = concurrency; return this; }
        Builder appThreads(int appThreads) { this.appThreads = appThreads; return this; }
        Builder batchSize(int batchSize) { this.batchSize = batchSize; return this; }
        Builder kafkaRecords(long kafkaRecords) { this.kafkaRecords = kafkaRecords; return this; }
        Builder isolationSubscriptions(int isolationSubscriptions) { this.isolationSubscriptions = isolationSubscriptions; return this; }
        Builder isolationEvents(long isolationEvents) { this.isolationEvents = isolationEvents; return this; }
        Builder responseTimeout(Duration responseTimeout) { this.responseTimeout = responseTimeout; return this; }
        Builder warmupEvents(long warmupEvents) { this.warmupEvents = warmupEvents; return this; }
        Builder drainTimeout(Duration drainTimeout) { this.drainTimeout = drainTimeout; return this; }
        Builder partitions(int partitions) { this.partitions = partitions; return this; }
        Builder postgresUrl(String postgresUrl) { this.postgresUrl = postgresUrl; return this; }
        Builder postgresUser(String postgresUser) { this.postgresUser = postgresUser; return this; }
        Builder postgresPassword(String postgresPassword) { this.postgresPassword = postgresPassword; return this; }
        Builder kafkaBootstrap(String kafkaBootstrap) { this.kafkaBootstrap = kafkaBootstrap; return this; }

        /** @throws IllegalArgumentException naming every bad option at once */
        BenchSettings build() {
            List<String> problems = new ArrayList<>();
            atLeast(problems, "--events", events, 1);
            if (!(rate > 0)) {
                problems.add("--rate: must be positive, was " + rate);
            }
            positive(problems, "--duration", latencyDuration);
            atLeast(problems, "--concurrency", concurrency, 1);
            atLeast(problems, "--app-threads", appThreads, 1);
            atLeast(problems, "--batch-size", batchSize, 1);
            atLeast(problems, "--kafka-records", kafkaRecords, 1);
            atLeast(problems, "--isolation-subscriptions", isolationSubscriptions, 2);
            atLeast(problems, "--isolation-events", isolationEvents, 1);
            positive(problems, "--response-timeout", responseTimeout);
            atLeast(problems, "--warmup-events", warmupEvents, 0);
            positive(problems, "--drain-timeout", drainTimeout);
            atLeast(problems, "--partitions", partitions, 1);
            if (postgresUrl != null && !postgresUrl.startsWith("jdbc:postgresql://")) {
                problems.add("--postgres-url: expected jdbc:postgresql://host:port/database, was " + postgresUrl);
            }
            if (kafkaBootstrap != null && kafkaBootstrap.isBlank()) {
                problems.add("--kafka-bootstrap: must not be blank");
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(String.join("; ", problems));
            }
            return new BenchSettings(quick, events, rate, latencyDuration, concurrency, appThreads, batchSize,
                    kafkaRecords, isolationSubscriptions, isolationEvents, responseTimeout, warmupEvents,
                    drainTimeout, partitions, Optional.ofNullable(postgresUrl), postgresUser, postgresPassword,
                    Optional.ofNullable(kafkaBootstrap));
        }

        private static void atLeast(List<String> problems, String option, long value, long minimum) {
            if (value < minimum) {
                problems.add(option + ": must be at least " + minimum + ", was " + value);
            }
        }

        private static void positive(List<String> problems, String option, Duration value) {
            if (value == null || value.isZero() || value.isNegative()) {
                problems.add(option + ": must be a positive duration, was " + value);
            }
        }
    }
}
