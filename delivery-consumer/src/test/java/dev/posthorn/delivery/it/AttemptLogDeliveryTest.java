package dev.posthorn.delivery.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.attempts.AttemptOutcome;
import dev.posthorn.delivery.attempts.AttemptRecord;
import dev.posthorn.signature.WebhookSecrets;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** Every attempt leaves a record on {@code <prefix>.attempts}, keyed by event id, in attempt order. */
@PosthornIntegrationTest
class AttemptLogDeliveryTest {

    @Test
    void aFailedThenSuccessfulDeliveryLeavesTwoRecordsAndADeadLetterOneEndsItsChain(KafkaBroker kafka, TestScope scope)
            throws Exception {
        String secret = WebhookSecrets.generate();
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 2);
             Receiver flaky = Receiver.start((id, n) -> Receiver.Answer.of(n == 1 ? 500 : 200), secret);
             Receiver broken = Receiver.start((id, n) -> Receiver.Answer.of(503), secret)) {
            String flakyId = posthorn.subscription("order.*", flaky.url()).secret(secret).put();
            String brokenId = posthorn.subscription("order.*", broken.url()).secret(secret).put();
            posthorn.start(posthorn.config().attemptResponseBytes(5).build()); // tiers 200 ms, 500 ms
            Instant before = Instant.now();
            PosthornFixture.SentEvent event = posthorn.event("order.placed").key("o-1").payload("{\"n\":1}").send();

            List<ConsumerRecord<byte[], byte[]>> records = posthorn.read(posthorn.topics.attempts(), Duration.ofSeconds(60),
                    rs -> rs.size() >= 5); // flaky: 500, 200; broken: 503, 503, 503
            Await.until(Duration.ofSeconds(10), "flaky delivered", () -> flaky.requests().size() == 2);

            assertThat(records).allSatisfy(r -> assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(event.id()));
            List<AttemptRecord> attempts = records.stream().map(r -> AttemptRecord.fromJson(r.value())).toList();
            List<AttemptRecord> toFlaky = attempts.stream().filter(a -> a.subscriptionId().equals(flakyId)).toList();
            assertThat(toFlaky).extracting(AttemptRecord::attempt).containsExactly(1, 2);
            assertThat(toFlaky).extracting(AttemptRecord::status).containsExactly(500, 200);
            assertThat(toFlaky).extracting(AttemptRecord::outcome)
                    .containsExactly(AttemptOutcome.RETRYING, AttemptOutcome.DELIVERED);
            AttemptRecord first = toFlaky.get(0);
            assertThat(first.error()).startsWith("HTTP 500");
            assertThat(first.response()).isEqualTo("{\"ok\""); // the configured 5 bytes of {"ok":true}
            assertThat(first.url()).isEqualTo(flaky.url().toString());
            assertThat(first.eventTopic()).isEqualTo("order.placed");
            assertThat(first.at()).isAfterOrEqualTo(before.minusSeconds(1));
            assertThat(first.resend()).isFalse();
            assertThat(toFlaky.get(1).error()).isNull();
            assertThat(toFlaky.get(1).at()).isAfter(first.at());

            List<AttemptRecord> toBroken = attempts.stream().filter(a -> a.subscriptionId().equals(brokenId)).toList();
            assertThat(toBroken).extracting(AttemptRecord::attempt).containsExactly(1, 2, 3);
            assertThat(toBroken).extracting(AttemptRecord::outcome).containsExactly(
                    AttemptOutcome.RETRYING, AttemptOutcome.RETRYING, AttemptOutcome.DEAD_LETTERED);
            assertThat(toBroken).allSatisfy(a -> assertThat(a.status()).isEqualTo(503));
        }
    }

    private static final class MovableClock extends java.time.Clock {
        final java.util.concurrent.atomic.AtomicReference<Duration> offset =
                new java.util.concurrent.atomic.AtomicReference<>(Duration.ZERO);

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(offset.get());
        }
    }

    @Test
    void everyAttemptFailingForThePeriodDisablesTheSubscriptionAndAsksTheRelayToRecordIt(KafkaBroker kafka,
            TestScope scope) throws Exception {
        MovableClock clock = new MovableClock();
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 1);
             Receiver broken = Receiver.start((id, n) -> Receiver.Answer.of(500), "s");
             Receiver healthy = Receiver.start(Receiver.OK, "s")) {
            String id = posthorn.subscription("meter.*", broken.url()).secret("s").put();
            posthorn.subscription("meter.*", healthy.url()).secret("s").put();
            posthorn.start(posthorn.config().clock(clock).disableAfter(Duration.ofMinutes(30)).build());
            Instant firstFailure = clock.instant();
            posthorn.event("meter.read").id("0190a000-0000-7000-8000-000000000001").send();
            Await.until(Duration.ofSeconds(30), "three failed attempts", () -> broken.requests().size() == 3);
            posthorn.read(posthorn.topics.deadLetters(), Duration.ofSeconds(30), rs -> !rs.isEmpty());

            // Half an hour of nothing but failures later (the broker refuses record times more than 1 h ahead).
            clock.offset.set(Duration.ofMinutes(31));
            posthorn.event("meter.read").id("0190a000-0000-7000-8000-000000000002").send();
            java.util.function.Predicate<ConsumerRecord<byte[], byte[]>> disable =
                    r -> new String(r.value(), StandardCharsets.UTF_8).contains("\"action\":\"disable\"");
            ConsumerRecord<byte[], byte[]> record = posthorn.read(posthorn.topics.control(), Duration.ofSeconds(30),
                    rs -> rs.stream().anyMatch(disable)).stream().filter(disable).findFirst().orElseThrow();
            String value = new String(record.value(), StandardCharsets.UTF_8);
            assertThat(value).contains("\"action\":\"disable\"", "\"subscription_id\":\"" + id + "\"",
                    "failing since " + firstFailure.toString().substring(0, 16));
            assertThat(record.headers().lastHeader("posthorn.notify")).as("announced").isNull();
            // Disabled here at once: the next event reaches the healthy subscription only.
            int before = broken.requests().size();
            posthorn.event("meter.read").id("0190a000-0000-7000-8000-000000000003").send();
            Await.until(Duration.ofSeconds(30), "the healthy subscription got the third event",
                    () -> healthy.requests().stream().anyMatch(r -> r.eventId().endsWith("0003")));
            assertThat(broken.requests().size()).isEqualTo(before);
        }
    }

    @Test
    void responseBytesZeroKeepsNoBody(KafkaBroker kafka, TestScope scope) throws Exception {
        String secret = WebhookSecrets.generate();
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 1);
             Receiver ok = Receiver.start(Receiver.OK, secret)) {
            posthorn.subscription("order.*", ok.url()).secret(secret).put();
            posthorn.start(posthorn.config().attemptResponseBytes(0).build());
            posthorn.event("order.placed").send();
            List<ConsumerRecord<byte[], byte[]>> records = posthorn.read(posthorn.topics.attempts(), Duration.ofSeconds(60),
                    rs -> !rs.isEmpty());
            AttemptRecord a = AttemptRecord.fromJson(records.get(0).value());
            assertThat(a.outcome()).isEqualTo(AttemptOutcome.DELIVERED);
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.response()).isNull();
        }
    }
}
