package dev.posthorn.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the delivery's own topics with explicit settings, and waits for the relay's. Existing
 * topics are checked, not changed: a wrong cleanup policy or partition count is refused with a
 * message naming the topic and the setting.
 */
final class TopicSetup {

    private static final Logger log = LoggerFactory.getLogger(TopicSetup.class);
    private static final Duration WAIT_LOG_EVERY = Duration.ofSeconds(10);
    private static final Duration WAIT_STEP = Duration.ofMillis(250);
    private static final Duration RETRY_MIN_RETENTION = Duration.ofDays(7);

    /** Partition counts found or created. */
    record Layout(int eventPartitions, int retryPartitions, int dlqPartitions) {}

    private final Admin admin;
    private final DeliveryConfig config;
    private final Topics topics;

    TopicSetup(Admin admin, DeliveryConfig config) {
        this.admin = admin;
        this.config = config;
        this.topics = config.topics();
    }

    /**
     * Waits for the relay's topics (logging what it waits for), then creates or checks ours.
     *
     * @return the layout, or null when {@code stopping} became true while waiting
     */
    Layout prepare(BooleanSupplier stopping) throws InterruptedException, ExecutionException, TimeoutException {
        if (!awaitTopics(List.of(topics.events(), topics.subscriptions()), stopping)) {
            return null;
        }
        int eventPartitions = partitionCount(topics.events());
        if (!exists(topics.control())) {
            log.warn("{} does not exist yet (the relay creates it): a 410 will disable subscriptions in this instance "
                    + "only until it does", topics.control());
        }
        String rf = Short.toString(config.replicationFactor());
        Map<String, String> common = config.replicationFactor() > 1
                ? Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(config.replicationFactor() - 1))
                : Map.of();
        List<NewTopic> wanted = new ArrayList<>();
        for (int tier = 1; tier <= config.retrySchedule().size(); tier++) {
            Duration delay = config.retrySchedule().get(tier - 1);
            Duration retention = delay.multipliedBy(10).compareTo(RETRY_MIN_RETENTION) > 0
                    ? delay.multipliedBy(10) : RETRY_MIN_RETENTION;
            wanted.add(topic(topics.retry(tier), config.partitions(), common, Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                    TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis()))));
        }
        wanted.add(topic(topics.deadLetters(), config.partitions(), common, Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(config.dlqRetention().toMillis()))));
        wanted.add(topic(topics.inbox(), eventPartitions, common, Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(config.inboxDedupeWindow().toMillis()))));
        wanted.add(topic(topics.attempts(), config.partitions(), common, Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(config.attemptsRetention().toMillis()))));
        for (NewTopic topic : wanted) {
            create(topic);
        }
        int retryPartitions = partitionCount(topics.retry(1));
        for (int tier = 2; tier <= config.retrySchedule().size(); tier++) {
            int n = partitionCount(topics.retry(tier));
            if (n != retryPartitions) {
                throw new IllegalStateException("topic " + topics.retry(tier) + " has " + n + " partitions but "
                        + topics.retry(1) + " has " + retryPartitions + ": all retry tiers need the same count");
            }
        }
        int inboxPartitions = partitionCount(topics.inbox());
        if (inboxPartitions != eventPartitions) {
            throw new IllegalStateException("topic " + topics.inbox() + " has " + inboxPartitions + " partitions but "
                    + topics.events() + " has " + eventPartitions + ": the inbox must have as many partitions as the "
                    + "events topic (markers are partitioned by the event's partition); recreate " + topics.inbox());
        }
        checkCleanupPolicy(topics.inbox(), Set.of(TopicConfig.CLEANUP_POLICY_COMPACT, TopicConfig.CLEANUP_POLICY_DELETE));
        checkCleanupPolicy(topics.deadLetters(), Set.of(TopicConfig.CLEANUP_POLICY_DELETE));
        checkCleanupPolicy(topics.attempts(), Set.of(TopicConfig.CLEANUP_POLICY_DELETE));
        Layout layout = new Layout(eventPartitions, retryPartitions, partitionCount(topics.deadLetters()));
        log.info("Topics ready: {} ({} partitions), {} retry tiers, {}, {}", topics.events(), eventPartitions,
                config.retrySchedule().size(), topics.deadLetters(), topics.inbox());
        return layout;
    }

    private NewTopic topic(String name, int partitions, Map<String, String> common, Map<String, String> settings) {
        Map<String, String> all = new java.util.HashMap<>(common);
        all.putAll(settings);
        return new NewTopic(name, partitions, config.replicationFactor()).configs(all);
    }

    private void create(NewTopic topic) throws InterruptedException, ExecutionException, TimeoutException {
        try {
            admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
            log.info("Created topic {} ({} partitions, {})", topic.name(), topic.numPartitions(), topic.configs());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    private boolean awaitTopics(List<String> names, BooleanSupplier stopping)
            throws InterruptedException, ExecutionException, TimeoutException {
        long nextLog = 0;
        while (!stopping.getAsBoolean()) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<String> missing = names.stream().filter(n -> !existing.contains(n)).toList();
            if (missing.isEmpty()) {
                return true;
            }
            if (System.nanoTime() >= nextLog) {
                log.info("Waiting for topic(s) {} to be created by the relay", missing);
                nextLog = System.nanoTime() + WAIT_LOG_EVERY.toNanos();
            }
            LockSupport.parkNanos(WAIT_STEP.toNanos());
        }
        return false;
    }

    private boolean exists(String name) throws InterruptedException, ExecutionException, TimeoutException {
        return admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(name);
    }

    private int partitionCount(String name) throws InterruptedException, ExecutionException, TimeoutException {
        return whenKnown(() -> admin.describeTopics(List.of(name)).allTopicNames()
                .get(30, TimeUnit.SECONDS).get(name).partitions().size());
    }

    /** An admin request about one topic. */
    private interface TopicRequest<T> {
        T send() throws InterruptedException, ExecutionException, TimeoutException;
    }

    /**
     * Sends {@code request} until the topic is known: one just created (here or by the relay) takes a
     * moment to reach every broker's metadata, and a cluster answers "unknown topic" meanwhile.
     */
    private static <T> T whenKnown(TopicRequest<T> request)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                return request.send();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                LockSupport.parkNanos(WAIT_STEP.toNanos());
            }
        }
    }

    private void checkCleanupPolicy(String name, Set<String> expected)
            throws InterruptedException, ExecutionException, TimeoutException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, name);
        Config config = whenKnown(() -> admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource));
        String value = config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
        Set<String> actual = new HashSet<>(Arrays.asList(value.replace(" ", "").split(",")));
        if (!actual.equals(expected)) {
            throw new IllegalStateException("topic " + name + " has " + TopicConfig.CLEANUP_POLICY_CONFIG + "=" + value
                    + " but needs " + String.join(",", expected));
        }
    }
}
