package dev.posthorn.delivery.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.DeliveryService;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.EmbeddedKafkaBroker;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The subscriptions view never freezes delivery: not a clock running ahead, not a broker outage. */
@PosthornIntegrationTest
class SubscriptionsViewTest {

    @Test
    void aRelayClockRunningAheadDoesNotHoldEveryEvent(KafkaBroker kafka, TestScope scope) throws Exception {
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 1);
             Receiver receiver = Receiver.start(Receiver.OK, "s")) {
            posthorn.subscription("clock.*", receiver.url()).secret("s").put();
            posthorn.start(posthorn.config().build());
            for (int i = 0; i < 5; i++) {
                // Stamped 10 s ahead of this machine's clock, one after the other, as a skewed relay would.
                String id = posthorn.event("clock.ticked").key("k" + i).timestamp(Instant.now().plusSeconds(10)).send().id();
                long sent = System.nanoTime();
                Await.until(Duration.ofSeconds(20), "event " + i + " delivered",
                        () -> receiver.requests().stream().anyMatch(r -> r.eventId().equals(id)));
                // Held by the 2 s bound, each would take at least 2 s; current as of its reading, a round trip.
                assertThat(Duration.ofNanos(System.nanoTime() - sent)).as("delay of event %d", i)
                        .isLessThan(Duration.ofMillis(1500));
            }
        }
    }

    /**
     * An event stamped by the relay waits until the view has read the subscriptions the stamp names,
     * whatever its timestamp says. Here the event even arrives before the subscription it needs, with a
     * timestamp 10 s behind (a relay clock running late): judged by time it would go out at once, to
     * nobody, and the new subscription would never get it.
     */
    @Test
    void aStampedEventWaitsForTheSubscriptionsItWasStampedWith(KafkaBroker kafka, TestScope scope) throws Exception {
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 1);
             Receiver early = Receiver.start(Receiver.OK, "s");
             Receiver late = Receiver.start(Receiver.OK, "s")) {
            var first = posthorn.subscription("stamp.*", early.url()).secret("s").write();
            DeliveryService service = posthorn.start(posthorn.config().build());
            String warmUp = posthorn.event("stamp.warm").send().id();
            Await.until(Duration.ofSeconds(30), "delivery consuming",
                    () -> early.requests().stream().anyMatch(r -> r.eventId().equals(warmUp)));
            long next = first.offset() + 1;
            String id = posthorn.event("stamp.taken").timestamp(Instant.now().minusSeconds(10))
                    .subscriptionsThrough(first.partition() + ":" + (next + 1)).send().id();
            // The event is read, and waits, before the subscription it needs exists.
            Await.until(Duration.ofSeconds(20), "the event's partition waiting for the subscriptions view",
                    () -> service.gauges().waitingForSubscriptions() == 1);
            var second = posthorn.subscription("stamp.*", late.url()).secret("s").write();
            assertThat(second.offset()).as("the offset the stamp named").isEqualTo(next);

            Await.until(Duration.ofSeconds(20), "the event delivered to the subscription added after it was read",
                    () -> late.requests().stream().anyMatch(r -> r.eventId().equals(id)));
            Await.until(Duration.ofSeconds(20), "and to the one there before",
                    () -> early.requests().stream().anyMatch(r -> r.eventId().equals(id)));
        }
    }

    @Test
    void followersRecoverFromABrokerOutageLongerThanTheApiTimeout(TestScope scope) throws Exception {
        Duration apiTimeout = Duration.ofSeconds(3);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startTemporary();
             PosthornFixture posthorn = new PosthornFixture(broker, scope, 2);
             Receiver receiver = Receiver.start(Receiver.OK, "s")) {
            posthorn.subscription("outage.*", receiver.url()).secret("s").put();
            DeliveryService service = posthorn.start(posthorn.config()
                    .kafkaProperties(Map.of("default.api.timeout.ms", Long.toString(apiTimeout.toMillis()),
                            "request.timeout.ms", "2000", "reconnect.backoff.max.ms", "500"))
                    .build());
            String before = posthorn.event("outage.before").send().id();
            Await.until(Duration.ofSeconds(20), "first event delivered",
                    () -> receiver.requests().stream().anyMatch(r -> r.eventId().equals(before)));

            broker.stop();
            long stoppedAt = System.nanoTime();
            Await.until(Duration.ofSeconds(60), "the service reports its followers failing", () -> service.problem() != null);
            Await.until(Duration.ofSeconds(60), "outage longer than the API timeout",
                    () -> System.nanoTime() - stoppedAt > apiTimeout.multipliedBy(2).toNanos() && service.problem() != null);
            broker.restart();
            long back = System.nanoTime();

            // Added after the outage: only a follower that came back knows it.
            Receiver later = Receiver.start(Receiver.OK, "t");
            try (later) {
                posthorn.subscription("outage.*", later.url()).secret("t").put();
                String after = posthorn.event("outage.after").send().id();
                Await.until(Duration.ofSeconds(30), "event after the outage delivered to the new subscription",
                        () -> later.requests().stream().anyMatch(r -> r.eventId().equals(after)));
                assertThat(Duration.ofNanos(System.nanoTime() - back)).isLessThan(Duration.ofSeconds(30));
                assertThat(later.requests()).allMatch(r -> r.verification().isVerified());
                Await.until(Duration.ofSeconds(20), "health clears", () -> service.problem() == null);
            }
        }
    }
}
