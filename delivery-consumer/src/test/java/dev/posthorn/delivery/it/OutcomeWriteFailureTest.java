package dev.posthorn.delivery.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.DeliveryConfig;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Nothing freezes commits: an outcome write that fails once is retried until durable. */
@PosthornIntegrationTest
class OutcomeWriteFailureTest {

    @Test
    void aFailedDeadLetterWriteDoesNotHoldTheCommittedOffsetBack(KafkaBroker kafka, TestScope scope) throws Exception {
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 1);
             Receiver receiver = Receiver.start(Receiver.OK, "s")) {
            posthorn.subscription("after.*", receiver.url()).secret("s").put();
            DeliveryConfig config = posthorn.config()
                    .kafkaProperties(Map.of("interceptor.classes", FailFirstWrite.class.getName())).build();
            FailFirstWrite.armed.set(posthorn.topics.deadLetters());
            posthorn.start(config);

            // Not an event (no headers, no JSON): its outcome is a DLQ record, whose first write fails.
            posthorn.send(new ProducerRecord<>(posthorn.topics.events(), "k".getBytes(StandardCharsets.UTF_8),
                    "not an event".getBytes(StandardCharsets.UTF_8)));
            String after = posthorn.event("after.sent").send().id();

            Await.until(Duration.ofSeconds(30), "the event after it delivered",
                    () -> receiver.requests().stream().anyMatch(r -> after.equals(r.eventId())));
            assertThat(FailFirstWrite.armed.get()).as("the DLQ write was failed once").isNull();
            TopicPartition events = new TopicPartition(posthorn.topics.events(), 0);
            try (Admin admin = kafka.admin()) {
                Await.until(Duration.ofSeconds(30), "committed offset passes both records",
                        () -> committedOffset(admin, config.groupId(), events) >= 2);
            }
            assertThat(posthorn.read(posthorn.topics.deadLetters(), Duration.ofSeconds(10), r -> !r.isEmpty()))
                    .hasSize(1);
        }
    }

    private static long committedOffset(Admin admin, String group, TopicPartition partition) {
        try {
            OffsetAndMetadata committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS).get(partition);
            return committed == null ? -1 : committed.offset();
        } catch (Exception e) {
            throw new AssertionError("cannot read the committed offsets of " + group, e);
        }
    }

    /**
     * Fails the first write to the armed topic by making the record too large for the producer
     * (a real refusal by the real client). Consumers load it too, as every delivery client gets the
     * same extra settings; for them it does nothing.
     */
    public static final class FailFirstWrite implements ProducerInterceptor<byte[], byte[]>, ConsumerInterceptor<byte[], byte[]> {
        static final AtomicReference<String> armed = new AtomicReference<>();

        @Override
        public ProducerRecord<byte[], byte[]> onSend(ProducerRecord<byte[], byte[]> record) {
            String topic = armed.get();
            if (topic != null && topic.equals(record.topic()) && armed.compareAndSet(topic, null)) {
                return new ProducerRecord<>(record.topic(), record.partition(), record.key(), new byte[4 * 1024 * 1024],
                        record.headers());
            }
            return record;
        }

        @Override
        public void onAcknowledgement(RecordMetadata metadata, Exception exception) {}

        @Override
        public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
            return records;
        }

        @Override
        public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

        @Override
        public void close() {}

        @Override
        public void configure(Map<String, ?> configs) {}
    }
}
