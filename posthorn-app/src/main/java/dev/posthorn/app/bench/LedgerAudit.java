package dev.posthorn.app.bench;

import dev.posthorn.app.ops.TopicScan;
import dev.posthorn.delivery.DeliveryHeaders;
import dev.posthorn.delivery.Topics;
import dev.posthorn.embedded.Kafka;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Accounts for every delivery the pipeline phases owe, from what the receivers saw and what is on
 * Kafka: a (subscription, event) pair is delivered (the receiver has it), dead-lettered (a DLQ
 * record names it), in flight (a retry record the delivery group has not consumed yet names it, or
 * its event sits at or after the group's committed offset: either will be processed again), or
 * lost. A retry record the group has consumed proves nothing: its outcome had to be durable. Reads the committed offsets
 * first and the topics after, so that work finishing meanwhile is still found in a later read.
 */
final class LedgerAudit {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private final Kafka kafka;
    private final Topics topics;
    private final String groupId;

    LedgerAudit(Kafka kafka, Topics topics, String groupId) {
        this.kafka = kafka;
        this.topics = topics;
        this.groupId = groupId;
    }

    /** The ledger of each phase, in the order given. */
    Map<String, Ledger> audit(List<OwedDeliveries> owed) throws InterruptedException, ExecutionException, TimeoutException {
        Map<TopicPartition, OffsetAndMetadata> committed;
        List<String> retryTopics;
        try (Admin admin = kafka.admin()) {
            committed = admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            retryTopics = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(topic -> topics.retryTier(topic).isPresent()).sorted().toList();
        }
        Set<String> retrying = pairsNotConsumed(retryTopics, committed);
        Set<String> deadLettered = pairsOn(List.of(topics.deadLetters()));

        Map<String, Ledger> ledgers = new LinkedHashMap<>();
        Map<String, Set<String>> unresolvedByEvent = new HashMap<>();
        Map<String, String> phaseOfPair = new HashMap<>();
        for (OwedDeliveries phase : owed) {
            long delivered = 0;
            long dead = 0;
            long retryPending = 0;
            long duplicates = 0;
            for (Route.Subscriber subscriber : phase.route().subscribers()) {
                duplicates += subscriber.endpoint().duplicates();
                for (UUID event : phase.eventIds()) {
                    String eventId = event.toString();
                    String pair = subscriber.subscriptionId() + ":" + eventId;
                    if (subscriber.endpoint().received(eventId)) {
                        delivered++;
                    } else if (deadLettered.contains(pair)) {
                        dead++;
                    } else if (retrying.contains(pair)) {
                        retryPending++;
                    } else {
                        unresolvedByEvent.computeIfAbsent(eventId, id -> new HashSet<>()).add(pair);
                        phaseOfPair.put(pair, phase.phase());
                    }
                }
            }
            ledgers.put(phase.phase(), new Ledger(phase.count(), delivered, dead, retryPending, duplicates));
        }
        if (!unresolvedByEvent.isEmpty()) {
            addUnprocessedEvents(committed, unresolvedByEvent, phaseOfPair, ledgers);
        }
        return ledgers;
    }

    /** Pairs whose event is still at or after the group's committed offset are in flight. */
    private void addUnprocessedEvents(Map<TopicPartition, OffsetAndMetadata> committed,
            Map<String, Set<String>> unresolvedByEvent, Map<String, String> phaseOfPair, Map<String, Ledger> ledgers) {
        readAll(List.of(topics.events()), record -> {
            Set<String> pairs = unresolvedByEvent.get(TopicScan.header(record, DeliveryHeaders.EVENT_ID));
            if (pairs == null) {
                return;
            }
            OffsetAndMetadata done = committed.get(new TopicPartition(record.topic(), record.partition()));
            if (done == null || record.offset() >= done.offset()) {
                for (String pair : pairs) {
                    ledgers.computeIfPresent(phaseOfPair.get(pair), (phase, ledger) ->
                            ledger.plus(new Ledger(0, 0, 0, 1, 0)));
                }
            }
        });
    }

    /** Pairs named by records at or after the group's committed offset of their partition. */
    private Set<String> pairsNotConsumed(List<String> topicNames, Map<TopicPartition, OffsetAndMetadata> committed) {
        Set<String> pairs = new HashSet<>();
        readAll(topicNames, record -> {
            OffsetAndMetadata done = committed.get(new TopicPartition(record.topic(), record.partition()));
            if (done == null || record.offset() >= done.offset()) {
                pairs.add(TopicScan.header(record, DeliveryHeaders.SUBSCRIPTION_ID) + ":"
                        + TopicScan.header(record, DeliveryHeaders.EVENT_ID));
            }
        });
        return pairs;
    }

    private Set<String> pairsOn(List<String> topicNames) {
        Set<String> pairs = new HashSet<>();
        readAll(topicNames, record -> pairs.add(TopicScan.header(record, DeliveryHeaders.SUBSCRIPTION_ID)
                + ":" + TopicScan.header(record, DeliveryHeaders.EVENT_ID)));
        return pairs;
    }

    private void readAll(List<String> topicNames, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        TopicScan.scan(kafka.bootstrapServers(), topicNames, Instant.EPOCH, READ_TIMEOUT, (done, total) -> {},
                each);
    }
}
