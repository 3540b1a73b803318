package dev.posthorn.delivery.it;

import static dev.posthorn.delivery.it.PosthornFixture.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.DeliveryHeaders;
import dev.posthorn.delivery.Redelivery;
import dev.posthorn.signature.VerificationResult;
import dev.posthorn.signature.WebhookSecrets;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

@PosthornIntegrationTest
class RetryDeliveryTest {

    private static final int EVENTS = 20;

    @Test
    void failingTwiceIsDeliveredOnAttemptThreeAndAlwaysFailingEndsInTheDlqWithEveryHeader(KafkaBroker kafka, TestScope scope)
            throws Exception {
        String secret = WebhookSecrets.generate();
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 3);
             Receiver healthy = Receiver.start(Receiver.OK, secret);
             Receiver flaky = Receiver.start((id, n) -> Receiver.Answer.of(n <= 2 ? 500 : 200), secret);
             Receiver broken = Receiver.start((id, n) -> Receiver.Answer.of(500), secret)) {
            posthorn.subscription("invoice.*", healthy.url()).secret(secret).put();
            String flakyId = posthorn.subscription("invoice.*", flaky.url()).secret(secret).put();
            String brokenId = posthorn.subscription("invoice.*", broken.url()).secret(secret).put();
            posthorn.start(posthorn.config().build()); // tiers 200 ms, 500 ms
            Instant before = Instant.now();
            Map<String, PosthornFixture.SentEvent> sent = posthorn.sendEvents("invoice.paid", EVENTS).stream()
                    .collect(Collectors.toMap(PosthornFixture.SentEvent::id, e -> e));

            try {
                Await.until(Duration.ofSeconds(60), "flaky receiver got every event on attempt 3",
                        () -> flaky.requests().stream().filter(r -> r.attempt() == 3).map(Receiver.Request::eventId)
                                .distinct().count() == EVENTS);
            } catch (AssertionError e) {
                Map<String, List<Integer>> attempts = new java.util.TreeMap<>();
                flaky.requests().forEach(r -> attempts.computeIfAbsent(r.eventId(), k -> new java.util.ArrayList<>()).add(r.attempt()));
                throw new AssertionError(e.getMessage() + "; flaky attempts per event: " + attempts, e);
            }
            List<ConsumerRecord<byte[], byte[]>> dlq = posthorn.read(posthorn.topics.deadLetters(), Duration.ofSeconds(60),
                    records -> records.size() >= EVENTS);

            // The healthy one was not held back: one attempt each.
            assertThat(healthy.requests()).hasSize(EVENTS).allMatch(r -> r.attempt() == 1);
            // The flaky one: attempts 1, 2, 3 per event, each signed; nothing after the success.
            assertThat(flaky.requests()).hasSize(3 * EVENTS)
                    .allMatch(r -> r.verification() instanceof VerificationResult.Verified);
            for (String id : sent.keySet()) {
                assertThat(flaky.requests().stream().filter(r -> r.eventId().equals(id)).map(Receiver.Request::attempt))
                        .containsExactly(1, 2, 3);
            }
            // The broken one: three attempts, then the DLQ with all headers, key, value and event headers kept.
            assertThat(broken.requests()).hasSize(3 * EVENTS);
            assertThat(dlq).hasSize(EVENTS);
            for (ConsumerRecord<byte[], byte[]> r : dlq) {
                String eventId = header(r, DeliveryHeaders.EVENT_ID);
                PosthornFixture.SentEvent e = sent.get(eventId);
                assertThat(e).isNotNull();
                assertThat(r.value()).isEqualTo(e.value());
                assertThat(r.key()).isEqualTo(e.key());
                assertThat(header(r, DeliveryHeaders.SUBSCRIPTION_ID)).isEqualTo(brokenId);
                assertThat(header(r, DeliveryHeaders.ATTEMPTS)).isEqualTo("3");
                assertThat(header(r, DeliveryHeaders.LAST_STATUS)).isEqualTo("500");
                assertThat(header(r, DeliveryHeaders.LAST_ERROR)).startsWith("HTTP 500");
                assertThat(header(r, DeliveryHeaders.REASON)).isEqualTo("retries exhausted");
                assertThat(header(r, DeliveryHeaders.TOPIC)).isEqualTo("invoice.paid");
                assertThat(header(r, DeliveryHeaders.PAYLOAD_VERSION)).isEqualTo("1");
                assertThat(header(r, DeliveryHeaders.CREATED_AT)).isNotNull();
                assertThat(header(r, DeliveryHeaders.TRACEPARENT)).isEqualTo(e.traceparent());
                Instant first = Instant.parse(header(r, DeliveryHeaders.FIRST_ATTEMPT_AT));
                Instant last = Instant.parse(header(r, DeliveryHeaders.LAST_ATTEMPT_AT));
                assertThat(first).isAfterOrEqualTo(before.minusSeconds(1));
                // two tiers of 200 ms and 500 ms, each at least 80 % of nominal
                assertThat(Duration.between(first, last)).isGreaterThanOrEqualTo(Duration.ofMillis(560));
                assertThat(Instant.parse(header(r, DeliveryHeaders.DEAD_LETTERED_AT))).isAfterOrEqualTo(last);
            }
            assertThat(dlq.stream().map(r -> header(r, DeliveryHeaders.SUBSCRIPTION_ID)).collect(Collectors.toSet()))
                    .isEqualTo(Set.of(brokenId));
            // Every event reached the healthy and the flaky endpoint, none other.
            assertThat(healthy.requests().stream().map(Receiver.Request::eventId).collect(Collectors.toSet()))
                    .isEqualTo(sent.keySet());
            assertThat(flaky.requests().stream().map(Receiver.Request::eventId).collect(Collectors.toSet()))
                    .isEqualTo(sent.keySet());
            assertThat(flaky.requests()).allMatch(r -> flakyId.equals(r.header("X-Webhook-Subscription")));

            // Replay: the operator fixed the endpoint and re-queues one DLQ record; attempt numbers carry on.
            broken.behave(Receiver.OK);
            ConsumerRecord<byte[], byte[]> dead = dlq.get(0);
            posthorn.send(Redelivery.replay(dead, posthorn.topics, posthorn.eventPartitions, Instant.now()));
            String replayed = header(dead, DeliveryHeaders.EVENT_ID);
            Await.until(Duration.ofSeconds(30), "replayed delivery",
                    () -> broken.requests().stream().anyMatch(r -> r.eventId().equals(replayed) && r.attempt() == 4));
        }
    }
}
