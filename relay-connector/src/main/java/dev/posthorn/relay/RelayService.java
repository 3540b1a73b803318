package dev.posthorn.relay;

import dev.posthorn.outbox.Outbox;
import dev.posthorn.outbox.SchemaReport;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay: streams committed outbox rows from the Postgres write-ahead log to
 * {@code <prefix>.events}, subscription changes to the compacted {@code <prefix>.subscriptions}, and
 * applies {@code <prefix>.control} actions to the subscriptions table.
 *
 * <pre>{@code
 * try (RelayService relay = new RelayService(config)) {
 *     relay.start();                 // returns at once; the relay works on its own threads
 *     relay.awaitStreaming(Duration.ofSeconds(60));
 *     ...                            // on SIGTERM: relay.close(Duration.ofSeconds(10))
 * }
 * }</pre>
 *
 * <h2>Life cycle</h2>
 * {@link #start()} creates or verifies the topics and checks the schema ({@link RelayState#STARTING}),
 * then competes for the slot's advisory lock: the holder streams ({@link RelayState#CONNECTING} then
 * {@link RelayState#STREAMING}), every other relay of the same slot waits in {@link RelayState#STANDBY}
 * and takes over within a few seconds of the holder's database session ending (crash, kill, network
 * loss). A stream that fails (database restart, broker outage beyond the producer's delivery timeout,
 * terminated walsender) restarts from the last committed position ({@link RelayState#RECOVERING}) with
 * backoff; nothing is marked processed before Kafka acknowledged it, so a restart re-sends at most the
 * changes after the last offset commit. {@link #close(Duration)} stops the stream, commits the offsets
 * of everything acknowledged and releases the lock.
 *
 * <p>Thread-safe. Every thread, client and connection it starts is owned and closed by it.
 */
public final class RelayService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RelayService.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    /** A stream that stayed up this long resets the restart backoff. */
    private static final Duration HEALTHY_RUN = Duration.ofSeconds(30);

    private final RelayConfig config;
    private final RelayMetrics metrics;
    private final Outbox outbox;
    private final Object monitor = new Object();

    // Guarded by monitor.
    private RelayState state = RelayState.NEW;
    private Throwable failure;
    private Thread supervisor;
    private boolean stopRequested;
    private long stopDeadlineNanos;
    /** Supervisor thread only. */
    private boolean retainedWarned;

    public RelayService(RelayConfig config) {
        this.config = config;
        this.metrics = new RelayMetrics(config.listener(), config.clock());
        this.outbox = Outbox.builder().schema(config.schema()).publication(config.publicationName())
                .slotName(config.slotName()).retainedWalWarningBytes(config.retainedWalWarningBytes()).build();
    }

    public RelayConfig config() {
        return config;
    }

    /**
     * Starts the relay on its own thread and returns at once.
     *
     * @throws IllegalStateException if already started
     */
    public void start() {
        synchronized (monitor) {
            if (state != RelayState.NEW) {
                throw new IllegalStateException("relay already started (state " + state + ")");
            }
            log.info("Starting relay: {}", config);
            supervisor = new Thread(this::supervise, "posthorn-relay-" + config.slotName());
            setState(RelayState.STARTING);
            supervisor.start();
        }
    }

    public RelayState state() {
        synchronized (monitor) {
            return state;
        }
    }

    /** Why the relay is {@link RelayState#FAILED}, if it is. */
    public Optional<Throwable> failure() {
        synchronized (monitor) {
            return Optional.ofNullable(failure);
        }
    }

    public RelayStats stats() {
        return metrics.snapshot(state());
    }

    /**
     * Waits until the replication slot is active and changes flow (with the default snapshot mode, every
     * change committed since the install created the slot is relayed).
     *
     * @return true if streaming, false if {@code timeout} passed first (e.g. this relay is a standby)
     * @throws IllegalStateException if the relay failed or was stopped
     */
    public boolean awaitStreaming(Duration timeout) throws InterruptedException {
        return awaitState(RelayState.STREAMING, timeout);
    }

    /**
     * Waits until the relay is in {@code wanted}.
     *
     * @return true once it is, false if {@code timeout} passed first
     * @throws IllegalStateException if the relay failed, or stopped while another state was awaited
     */
    public boolean awaitState(RelayState wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (monitor) {
            while (state != wanted) {
                if (state == RelayState.FAILED) {
                    throw new IllegalStateException("relay failed: " + failure, failure);
                }
                if (state == RelayState.STOPPED) {
                    throw new IllegalStateException("relay stopped while waiting for " + wanted);
                }
                long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (remaining <= 0) {
                    return false;
                }
                monitor.wait(remaining);
            }
            return true;
        }
    }

    /** {@link #close(Duration)} with 10 seconds. */
    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    /**
     * Stops streaming, commits the offsets of every change Kafka acknowledged, releases the lock and
     * closes every client, within {@code timeout} (threads still running then are interrupted and an
     * ERROR says so). Idempotent.
     */
    public void close(Duration timeout) {
        Thread toJoin;
        synchronized (monitor) {
            if (state == RelayState.NEW) {
                setState(RelayState.STOPPED);
                return;
            }
            if (stopRequested || supervisor == null) {
                toJoin = supervisor;
            } else {
                stopRequested = true;
                // Leave a margin for the last steps (producer and connection close) inside the caller's budget.
                stopDeadlineNanos = System.nanoTime() + timeout.toNanos() * 8 / 10;
                if (state != RelayState.FAILED && state != RelayState.STOPPED) {
                    setState(RelayState.STOPPING);
                }
                monitor.notifyAll();
                toJoin = supervisor;
            }
        }
        if (toJoin == null || toJoin == Thread.currentThread()) {
            return;
        }
        try {
            toJoin.join(Math.max(1, timeout.toMillis()));
            if (toJoin.isAlive()) {
                log.error("Relay did not stop within {} ms; interrupting it", timeout.toMillis());
                toJoin.interrupt();
                toJoin.join(2000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- supervisor thread

    private void supervise() {
        try {
            prepare();
            Duration backoff = config.restartBackoff();
            while (!stopping()) {
                try (LeaderLock lock = new LeaderLock(connect("posthorn-relay-lock"), config.slotName())) {
                    if (!lock.tryAcquire()) {
                        setState(RelayState.STANDBY);
                        log.info("Another relay holds the lock of slot {} (advisory lock {}); waiting as standby",
                                config.slotName(), lock.key());
                        while (!lock.tryAcquire()) {
                            if (waitFor(config.standbyPollInterval())) {
                                return;
                            }
                        }
                    }
                    log.info("Acquired the lock of slot {}; this relay is now the active one", config.slotName());
                    backoff = config.restartBackoff();
                    lead(lock);
                } catch (SQLException e) {
                    if (stopping()) {
                        break;
                    }
                    log.warn("Database connection for the relay lock failed ({}); retrying in {} ms",
                            e.getMessage(), backoff.toMillis());
                    setState(RelayState.RECOVERING);
                    if (waitFor(backoff)) {
                        break;
                    }
                    backoff = twice(backoff);
                }
            }
        } catch (RuntimeException | Error e) {
            fail(e);
            return;
        } finally {
            synchronized (monitor) {
                if (state != RelayState.FAILED) {
                    setState(RelayState.STOPPED);
                }
            }
        }
    }

    private void fail(Throwable e) {
        if (e instanceof RelayConfigurationException) {
            log.error("Relay stopped: {}", e.getMessage());
        } else {
            log.error("Relay stopped by an unexpected error: {}", e.toString(), e);
        }
        synchronized (monitor) {
            failure = e;
            setState(RelayState.FAILED);
        }
    }

    /** Topics and schema; transient failures (Kafka or Postgres not up yet) are retried until stopped. */
    private void prepare() {
        Duration backoff = config.restartBackoff();
        while (!stopping()) {
            try {
                checkSchema();
                try (Admin admin = Admin.create(adminConfig())) {
                    new TopicSetup(config).ensure(admin, ADMIN_TIMEOUT);
                }
                return;
            } catch (RelayConfigurationException e) {
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                log.warn("Relay cannot prepare yet ({}); retrying in {} ms", rootMessage(e), backoff.toMillis());
                if (waitFor(backoff)) {
                    return;
                }
                backoff = twice(backoff);
            }
        }
    }

    private void checkSchema() throws SQLException {
        try (Connection c = connect("posthorn-relay-check")) {
            SchemaReport report = outbox.check(c);
            if (!report.ok()) {
                throw new RelayConfigurationException("the database is not ready for the relay (run the outbox "
                        + "schema install as documented in outbox-writer):\n" + report);
            }
            report.warnings().forEach(w -> log.warn("Schema check: {}", w));
        }
    }

    /** Streams while this relay holds the lock; returns when stopped, throws when the lock is lost. */
    private void lead(LeaderLock lock) throws SQLException {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(config.jdbcUrl());
        dataSource.setUser(config.user());
        dataSource.setPassword(config.password());
        dataSource.setApplicationName("posthorn-relay-control");
        ControlConsumer control = new ControlConsumer(config, outbox.subscriptions(dataSource),
                new OperationalEvents(outbox, dataSource));
        control.start();
        try {
            Duration backoff = config.restartBackoff();
            int attempt = 0;
            while (!stopping()) {
                attempt++;
                setState(attempt == 1 ? RelayState.CONNECTING : RelayState.RECOVERING);
                long startedAt = System.nanoTime();
                EngineRun run = new EngineRun(config, metrics, attempt);
                try {
                    run.start();
                    watch(run, lock);
                } finally {
                    run.close(stopping() ? stopDeadline() : System.nanoTime() + Duration.ofSeconds(10).toNanos());
                }
                if (stopping()) {
                    return;
                }
                EngineRun.Outcome outcome = run.outcome();
                if (Duration.ofNanos(System.nanoTime() - startedAt).compareTo(HEALTHY_RUN) > 0) {
                    backoff = config.restartBackoff();
                }
                log.warn("Stream ended ({}); restarting from the last committed position in {} ms",
                        describe(outcome), backoff.toMillis());
                if (waitFor(backoff)) {
                    return;
                }
                backoff = twice(backoff);
            }
        } finally {
            control.close();
        }
    }

    /** Watches a run until it ends or the relay stops; checks the lock session and measures the slot. */
    private void watch(EngineRun run, LeaderLock lock) throws SQLException {
        while (!stopping() && !run.finished()) {
            LeaderLock.SlotPosition position = lock.slotPosition();
            position.lagBytes().ifPresent(metrics::slotLag);
            position.retainedBytes().ifPresent(this::retained);
            if (run.taskStarted()) {
                boolean active = lock.slotActive();
                RelayState current = state();
                if (active && current != RelayState.STREAMING) {
                    setState(RelayState.STREAMING);
                } else if (!active && current == RelayState.STREAMING) {
                    setState(RelayState.RECOVERING);
                }
            }
            if (waitFor(config.leaderCheckInterval())) {
                return;
            }
        }
    }

    /** Records the slot's retained WAL; warns once each time it crosses the threshold. */
    private void retained(long bytes) {
        metrics.slotRetainedWal(bytes);
        boolean over = bytes > config.retainedWalWarningBytes();
        if (over && !retainedWarned) {
            log.warn("Replication slot {} retains {} bytes of WAL, over the warning threshold of {}: the relay is behind"
                    + " and Postgres keeps the WAL until the relay confirms it", config.slotName(), bytes,
                    config.retainedWalWarningBytes());
        } else if (!over && retainedWarned) {
            log.info("Replication slot {} retains {} bytes of WAL again, under the warning threshold", config.slotName(), bytes);
        }
        retainedWarned = over;
    }

    private static String describe(EngineRun.Outcome outcome) {
        if (outcome == null) {
            return "no outcome";
        }
        if (outcome.error() != null) {
            return outcome.message() + ": " + rootMessage(outcome.error());
        }
        return outcome.message();
    }

    // ---------------------------------------------------------------- helpers

    private Connection connect(String applicationName) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", config.user());
        props.setProperty("password", config.password());
        props.setProperty("ApplicationName", applicationName);
        props.setProperty("connectTimeout", "10");
        props.setProperty("socketTimeout", "30");
        props.setProperty("tcpKeepAlive", "true");
        return DriverManager.getConnection(config.jdbcUrl(), props);
    }

    private Map<String, Object> adminConfig() {
        Map<String, Object> props = new java.util.HashMap<>(config.kafkaProperties());
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap());
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "posthorn-relay-admin-" + config.slotName());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
        return props;
    }

    private boolean stopping() {
        synchronized (monitor) {
            return stopRequested;
        }
    }

    private long stopDeadline() {
        synchronized (monitor) {
            return stopDeadlineNanos;
        }
    }

    /** Waits up to {@code duration}; true if the relay is stopping (return at once). */
    private boolean waitFor(Duration duration) {
        long deadline = System.nanoTime() + duration.toNanos();
        synchronized (monitor) {
            while (!stopRequested) {
                long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (remaining <= 0) {
                    return false;
                }
                try {
                    monitor.wait(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return true;
                }
            }
            return true;
        }
    }

    private void setState(RelayState next) {
        synchronized (monitor) {
            if (state == next) {
                return;
            }
            if (stopRequested && next != RelayState.STOPPING && next != RelayState.STOPPED && next != RelayState.FAILED) {
                return;
            }
            RelayState previous = state;
            state = next;
            log.info("Relay {} (topics {}.*): {} -> {}", config.slotName(),
                    config.topicPrefix(), previous, next);
            monitor.notifyAll();
            try {
                config.listener().stateChanged(previous, next);
            } catch (RuntimeException e) {
                log.warn("RelayListener.stateChanged threw {}", e.toString());
            }
        }
    }

    private static Duration twice(Duration d) {
        Duration doubled = d.multipliedBy(2);
        return doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == t ? String.valueOf(t) : t.getMessage() + " (" + root + ")";
    }
}
