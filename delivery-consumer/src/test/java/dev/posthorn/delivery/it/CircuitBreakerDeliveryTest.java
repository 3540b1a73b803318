package dev.posthorn.delivery.it;

import static dev.posthorn.delivery.it.PosthornFixture.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.DeliveryHeaders;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

@PosthornIntegrationTest
class CircuitBreakerDeliveryTest {

    /** The system clock plus an offset the test moves forward: the breaker's open period passes without waiting. */
    private static final class MovableClock extends Clock {
        final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(offset.get());
        }
    }

    @Test
    void anOpenCircuitSendsNothingUntilTheHalfOpenProbeSucceeds(KafkaBroker kafka, TestScope scope) throws Exception {
        MovableClock clock = new MovableClock();
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 1);
             Receiver receiver = Receiver.start((id, n) -> Receiver.Answer.of(500), "s")) {
            posthorn.subscription("job.*", receiver.url()).secret("s").put();
            posthorn.start(posthorn.config().clock(clock).maxInFlightPerEndpoint(1)
                    .circuitFailureThreshold(2).circuitOpenDuration(Duration.ofMinutes(1)).build());
            posthorn.sendEvents("job.done", 6);

            List<ConsumerRecord<byte[], byte[]>> dlq = posthorn.read(posthorn.topics.deadLetters(), Duration.ofSeconds(60),
                    records -> records.size() >= 6);
            // Two failures opened the circuit; everything after moved through the tiers without a request.
            assertThat(receiver.count()).isEqualTo(2);
            assertThat(dlq).hasSize(6).allMatch(r -> header(r, DeliveryHeaders.LAST_ERROR).startsWith("circuit open"));

            // A minute later (on the service's clock) the next delivery is the half-open probe; it succeeds.
            receiver.behave(Receiver.OK);
            clock.offset.set(Duration.ofMinutes(1).plusSeconds(1));
            String probe = posthorn.event("job.done").key("p").send().id();
            String after = posthorn.event("job.done").key("q").send().id();
            Await.until(Duration.ofSeconds(30), "probe and the next delivery", () -> receiver.requests().stream()
                    .filter(r -> r.eventId().equals(probe) || r.eventId().equals(after)).count() == 2);
            assertThat(receiver.count()).isEqualTo(4);
        }
    }
}
