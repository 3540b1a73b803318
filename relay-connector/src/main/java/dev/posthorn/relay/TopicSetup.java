package dev.posthorn.relay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the relay's topics with explicit settings, and refuses existing ones whose cleanup policy
 * would break the contract (a compacted events topic loses events; a deleting subscriptions or offsets
 * topic loses state).
 */
final class TopicSetup {

    private static final Logger log = LoggerFactory.getLogger(TopicSetup.class);

    /** One topic the relay needs. */
    record Spec(String name, int partitions, String cleanupPolicy, Map<String, String> extra) {}

    private final RelayConfig config;

    TopicSetup(RelayConfig config) {
        this.config = config;
    }

    List<Spec> specs() {
        List<Spec> specs = new ArrayList<>();
        specs.add(new Spec(config.eventsTopic(), config.eventsPartitions(), TopicConfig.CLEANUP_POLICY_DELETE, Map.of()));
        specs.add(new Spec(config.subscriptionsTopic(), config.subscriptionsPartitions(), TopicConfig.CLEANUP_POLICY_COMPACT, Map.of()));
        specs.add(new Spec(config.controlTopic(), 1, TopicConfig.CLEANUP_POLICY_DELETE, Map.of()));
        // Rows that could not become events: kept for 30 days for an operator to inspect.
        specs.add(new Spec(config.relayDlqTopic(), 1, TopicConfig.CLEANUP_POLICY_DELETE,
                Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(Duration.ofDays(30).toMillis()))));
        if (config.offsetFile().isEmpty()) {
            specs.add(new Spec(config.offsetsTopic(), 1, TopicConfig.CLEANUP_POLICY_COMPACT, Map.of()));
        }
        return specs;
    }

    /**
     * Creates missing topics and checks existing ones.
     *
     * @throws RelayConfigurationException if an existing topic has the wrong cleanup policy
     */
    void ensure(Admin admin, Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
        List<Spec> specs = specs();
        Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        List<NewTopic> missing = new ArrayList<>();
        for (Spec spec : specs) {
            if (!existing.contains(spec.name())) {
                Map<String, String> topicConfig = new HashMap<>(spec.extra());
                topicConfig.put(TopicConfig.CLEANUP_POLICY_CONFIG, spec.cleanupPolicy());
                if (config.replicationFactor() > 1) {
                    topicConfig.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(config.minInsyncReplicas()));
                }
                missing.add(new NewTopic(spec.name(), spec.partitions(), config.replicationFactor()).configs(topicConfig));
            }
        }
        if (!missing.isEmpty()) {
            var results = admin.createTopics(missing).values();
            for (NewTopic topic : missing) {
                try {
                    results.get(topic.name()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    log.info("Created topic {} ({} partitions, replication factor {}, {})", topic.name(),
                            topic.numPartitions(), topic.replicationFactor(), topic.configs());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                    // Another relay created it a moment ago; the check below verifies its settings.
                }
            }
        }
        check(admin, specs, timeout);
    }

    private void check(Admin admin, List<Spec> specs, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        List<ConfigResource> resources = specs.stream()
                .map(s -> new ConfigResource(ConfigResource.Type.TOPIC, s.name()))
                .toList();
        Map<ConfigResource, Config> configs =
                admin.describeConfigs(resources).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Map<String, TopicDescription> descriptions = admin.describeTopics(specs.stream().map(Spec::name).toList())
                .allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        List<String> problems = new ArrayList<>();
        for (Spec spec : specs) {
            Config topicConfig = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()));
            var entry = topicConfig.get(TopicConfig.CLEANUP_POLICY_CONFIG);
            String actual = entry == null || entry.value() == null ? "" : entry.value();
            Set<String> policies = new TreeSet<>(Arrays.asList(actual.replace(" ", "").split(",")));
            if (!policies.equals(Set.of(spec.cleanupPolicy()))) {
                problems.add("topic " + spec.name() + " has cleanup.policy=" + actual + " but the relay needs cleanup.policy="
                        + spec.cleanupPolicy() + " (fix it with kafka-configs --alter --entity-type topics --entity-name "
                        + spec.name() + " --add-config cleanup.policy=" + spec.cleanupPolicy() + ")");
            }
            TopicDescription description = descriptions.get(spec.name());
            if (description != null && description.partitions().size() != spec.partitions()) {
                log.warn("Topic {} has {} partitions, configured {}: the existing count is used", spec.name(),
                        description.partitions().size(), spec.partitions());
            }
        }
        if (!problems.isEmpty()) {
            throw new RelayConfigurationException(String.join("; ", problems));
        }
    }
}
