package dev.posthorn.delivery;

import dev.posthorn.delivery.attempts.AttemptLog;
import dev.posthorn.delivery.http.WebhookSender;
import dev.posthorn.delivery.inbox.InboxStore;
import dev.posthorn.delivery.subscriptions.SubscriptionRegistry;
import dev.posthorn.signature.SecretCipher;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery consumer: one instance of the {@code posthorn-delivery} consumer group. It reads
 * {@code <prefix>.events} and the retry tiers, fans each event out to the matching subscriptions,
 * POSTs it signed, and makes every outcome durable (inbox marker, retry record, DLQ record) before
 * the offset moves past it.
 *
 * <pre>{@code
 * try (DeliveryService service = new DeliveryService(config)) {
 *     service.start();
 *     ...            // until SIGTERM
 * }                  // close() drains within config.drainTimeout()
 * }</pre>
 *
 * <p>Lifecycle: {@link State#NEW} → {@code start()} → STARTING (creating our topics, waiting for
 * the relay's) → LOADING (reading subscriptions to the end) → RUNNING → {@code close()} → DRAINING
 * → STOPPED, or FAILED. Each transition is logged once at INFO. A single thread of its own owns the
 * Kafka consumer, producer, HTTP client and the delivery threads and closes them when it ends.
 */
public final class DeliveryService implements AutoCloseable {

    public enum State { NEW, STARTING, LOADING, RUNNING, DRAINING, STOPPED, FAILED }

    private static final Logger log = LoggerFactory.getLogger(DeliveryService.class);
    private static final Duration LOAD_WAIT_STEP = Duration.ofMillis(200);

    private final DeliveryConfig config;
    private final SafeListener listener;
    private final Object lock = new Object();
    private final String instanceId = UUID.randomUUID().toString().substring(0, 8);
    private State state = State.NEW;
    private Thread thread;
    private volatile boolean stopRequested;
    private volatile boolean abandoning;
    private volatile long drainDeadlineNanos;
    private volatile boolean closing;
    private volatile Throwable failure;
    private volatile ConsumerLoop loop;
    private volatile InboxStore inboxView;
    private volatile SubscriptionRegistry registryView;

    public DeliveryService(DeliveryConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.listener = new SafeListener(config.listener());
    }

    /** Starts the service on a thread of its own and returns at once; see {@link #awaitRunning}. */
    public void start() {
        synchronized (lock) {
            if (state != State.NEW) {
                throw new IllegalStateException("start() called in state " + state);
            }
            listener.gauges(gauges());
            thread = Thread.ofPlatform().name("posthorn-delivery-" + instanceId).start(this::run);
        }
    }

    public State state() {
        synchronized (lock) {
            return state;
        }
    }

    /**
     * Waits until the service delivers (RUNNING).
     *
     * @return false on timeout
     * @throws IllegalStateException if the service failed or stopped instead
     */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (state != State.RUNNING) {
                if (state == State.FAILED || state == State.STOPPED || state == State.DRAINING) {
                    throw new IllegalStateException("delivery service is " + state, failure);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return true;
        }
    }

    /**
     * What keeps a running service from working fully, or null: a follower of the subscriptions or
     * inbox topic that cannot reach the broker (it retries by itself; health reports DOWN meanwhile).
     */
    public String problem() {
        SubscriptionRegistry registry = registryView;
        InboxStore inbox = inboxView;
        String subscriptions = registry == null ? null : registry.problem();
        String markers = inbox == null ? null : inbox.problem();
        if (subscriptions != null) {
            return "subscriptions view: " + subscriptions;
        }
        return markers == null ? null : "inbox: " + markers;
    }

    /** Live values for gauges. */
    public DeliveryGauges gauges() {
        return new DeliveryGauges() {
            @Override
            public int inFlight() {
                ConsumerLoop l = loop;
                return l == null ? 0 : l.inFlight();
            }

            @Override
            public int queued() {
                ConsumerLoop l = loop;
                return l == null ? 0 : l.queued();
            }

            @Override
            public long consumerLag() {
                ConsumerLoop l = loop;
                return l == null ? 0 : l.lag();
            }

            @Override
            public int waitingForSubscriptions() {
                ConsumerLoop l = loop;
                return l == null ? 0 : l.waitingForSubscriptions();
            }

            @Override
            public long inboxMarkers() {
                InboxStore i = inboxView;
                return i == null ? 0 : i.size();
            }
        };
    }

    /** Closes within {@link DeliveryConfig#drainTimeout()}. */
    @Override
    public void close() {
        close(config.drainTimeout());
    }

    /**
     * Stops taking new work, lets deliveries in flight finish for most of {@code budget}, cancels
     * what is still running, commits the offsets whose outcome is durable, and closes everything.
     * Work not finished is read again by the partition's next owner (at-least-once).
     */
    public void close(Duration budget) {
        Thread t;
        synchronized (lock) {
            if (state == State.NEW) {
                transition(State.STOPPED);
                return;
            }
            t = thread;
            if (!closing) {
                closing = true;
                // Most of the budget for deliveries in flight, the rest for cancelling, committing, closing.
                drainDeadlineNanos = System.nanoTime() + budget.multipliedBy(7).dividedBy(10).toNanos();
            }
            stopRequested = true;
        }
        try {
            t.join(budget.plusSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            log.error("Delivery service thread did not stop within {}", budget.plusSeconds(5));
        }
    }

    private void run() {
        Map<String, Object> common = new HashMap<>(config.kafkaProperties());
        common.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        Topics topics = config.topics();
        SecretCipher cipher = SecretCipher.fromBase64Key(config.secretKey());
        transition(State.STARTING);
        log.info("Delivery instance {} starting: {}", instanceId, config);
        try (Admin admin = Admin.create(common)) {
            TopicSetup.Layout layout = new TopicSetup(admin, config).prepare(() -> stopRequested);
            if (layout == null) {
                transition(State.STOPPED);
                return;
            }
            admin.close(Duration.ofSeconds(5));
            transition(State.LOADING);
            runWith(common, topics, cipher, layout);
        } catch (Throwable e) {
            failure = e;
            log.error("Delivery service failed", e);
            transition(State.FAILED);
        }
    }

    private void runWith(Map<String, Object> common, Topics topics, SecretCipher cipher, TopicSetup.Layout layout)
            throws InterruptedException {
        Map<String, Object> follower = new HashMap<>(common);
        follower.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        follower.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        follower.put(ConsumerConfig.CLIENT_ID_CONFIG, config.groupId() + "-" + instanceId + "-subscriptions");
        Map<String, Object> inboxFollower = new HashMap<>(follower);
        inboxFollower.put(ConsumerConfig.CLIENT_ID_CONFIG, config.groupId() + "-" + instanceId + "-inbox");
        // Markers only need to be in memory before a partition changes hands (and loading waits for
        // the end offsets then): fetch them in larger, fewer batches than one per marker.
        inboxFollower.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 64 * 1024);
        inboxFollower.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);

        Map<String, Object> producerProps = new HashMap<>(common);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // Outcome records: the endpoint's slot is free before they are written, so lingering a little
        // for fuller batches costs the next delivery nothing and the broker fewer requests.
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        producerProps.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        producerProps.put(ProducerConfig.CLIENT_ID_CONFIG, config.groupId() + "-" + instanceId + "-producer");

        Map<String, Object> consumerProps = new HashMap<>(common);
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        consumerProps.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        consumerProps.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.maxPollRecords());
        // The consumer sends a broker no new fetch while one is parked there, and a partition that was
        // paused (backpressure, a retry not yet due, the subscriptions hold) needs a new fetch once
        // resumed: with the default 500 ms park, resuming costs up to half a second of latency.
        consumerProps.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 25);
        consumerProps.put(ConsumerConfig.CLIENT_ID_CONFIG, config.groupId() + "-" + instanceId);

        try (SubscriptionRegistry registry = new SubscriptionRegistry(topics.subscriptions(), follower, cipher::open);
             InboxStore inbox = new InboxStore(topics.inbox(), inboxFollower, config.inboxDedupeWindow(), config.clock());
             WebhookSender sender = WebhookSender.of(config);
             KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
             AttemptLog attemptLog = new AttemptLog(common, topics.attempts(), config.attemptResponseBytes(),
                     config.groupId() + "-" + instanceId + "-attempts");
             ExecutorService workers = Executors.newThreadPerTaskExecutor(
                     Thread.ofVirtual().name("posthorn-delivery-" + instanceId + "-", 0).factory());
             KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            registry.start();
            while (!registry.awaitLoaded(LOAD_WAIT_STEP)) {
                if (stopRequested) {
                    transition(State.STOPPED);
                    return;
                }
            }
            registryView = registry;
            inbox.start();
            inboxView = inbox;
            // Fetch the producer's metadata now, so the first outcomes do not wait for it.
            producer.partitionsFor(topics.inbox());
            producer.partitionsFor(topics.deadLetters());
            for (int tier = 1; tier <= config.retrySchedule().size(); tier++) {
                producer.partitionsFor(topics.retry(tier));
            }
            attemptLog.warmUp();
            DeliveryWorker worker = new DeliveryWorker(config, sender, producer, registry, inbox, listener,
                    layout.retryPartitions(), layout.dlqPartitions(), () -> abandoning, attemptLog);
            ConsumerLoop consumerLoop = new ConsumerLoop(config, consumer, registry, inbox, worker, workers, listener,
                    layout);
            loop = consumerLoop;
            consumerLoop.subscribe();
            transition(State.RUNNING);
            while (!stopRequested) {
                consumerLoop.pollOnce();
            }
            transition(State.DRAINING);
            boolean drained = consumerLoop.drain(drainDeadlineNanos);
            if (!drained) {
                log.warn("Drain budget used up with {} deliveries in flight; cancelling them (they are redelivered "
                        + "by the partition's next owner)", consumerLoop.inFlight());
                abandoning = true;
                sender.cancelAll();
                consumerLoop.finishAbandoned(System.nanoTime() + Duration.ofSeconds(1).toNanos());
            }
            abandoning = true;
            workers.shutdownNow();
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(2)));
            producer.close(Duration.ofSeconds(2));
            attemptLog.close(Duration.ofSeconds(2));
        }
        transition(State.STOPPED);
    }

    private void transition(State next) {
        synchronized (lock) {
            if (state == next) {
                return;
            }
            state = next;
            lock.notifyAll();
        }
        log.info("Delivery service {}", next);
        listener.stateChanged(next);
    }
}
