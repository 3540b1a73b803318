package dev.posthorn.delivery.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.DeliveryListener;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A partition lost while a strict key's head was in flight: when it comes back, the key is not
 * blocked by the dead delivery of the previous assignment.
 */
@PosthornIntegrationTest
class LostPartitionTest {

    @Test
    void aStrictKeyWhoseHeadWasInFlightWhenThePartitionWasLostGoesOnAfterReassignment(KafkaBroker kafka, TestScope scope)
            throws Exception {
        String head = "00000000-0000-4000-8000-0000000000a1";
        AtomicBoolean stallOnce = new AtomicBoolean(true);
        // Runs on the poll thread: stalling it past max.poll.interval.ms makes the member leave the group,
        // and its partitions are lost (not revoked) on the next poll.
        DeliveryListener stallingListener = new DeliveryListener() {
            @Override
            public void inboxHit(String subscriptionId) {
                if (stallOnce.compareAndSet(true, false)) {
                    long until = System.nanoTime() + Duration.ofSeconds(7).toNanos();
                    while (System.nanoTime() - until < 0) {
                        Thread.onSpinWait(); // the fault: a poll thread that does not come back in time
                    }
                }
            }
        };
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 1);
             Receiver receiver = Receiver.start((id, n) -> id.equals(head) && n == 1
                     ? Receiver.Answer.hangForever() : Receiver.Answer.of(200), "s")) {
            posthorn.subscription("ledger.*", receiver.url()).secret("s").strictOrder().put();
            posthorn.start(posthorn.config()
                    .responseTimeout(Duration.ofSeconds(120)).requestTimeout(Duration.ofSeconds(120))
                    .kafkaProperties(Map.of("max.poll.interval.ms", "4000", "session.timeout.ms", "6000",
                            "heartbeat.interval.ms", "500"))
                    .listener(stallingListener).build());

            PosthornFixture.EventBuilder once = posthorn.event("ledger.noted").key("other");
            String onceId = once.send().id();
            Await.until(Duration.ofSeconds(30), "a first event delivered",
                    () -> receiver.requests().stream().anyMatch(r -> r.eventId().equals(onceId)));
            posthorn.event("ledger.posted").id(head).key("K").send();
            Await.until(Duration.ofSeconds(30), "the key's head in flight", () -> receiver.hanging() == 1);
            String next = posthorn.event("ledger.posted").key("K").send().id();
            posthorn.send(once.record()); // the same event again: an inbox hit, where the poll thread stalls

            Await.until(Duration.ofSeconds(45), "the key's next event delivered after the partition came back",
                    () -> receiver.requests().stream().anyMatch(r -> r.eventId().equals(next)));
            assertThat(stallOnce.get()).as("the poll thread was stalled").isFalse();
            assertThat(receiver.requests().stream().filter(r -> r.eventId().equals(head)).count())
                    .as("the head was sent again by the new assignment").isEqualTo(2);
            assertThat(receiver.requests().stream().map(Receiver.Request::eventId).filter(id -> id.equals(head) || id.equals(next)))
                    .as("strict order of the key").containsExactly(head, head, next);
        }
    }
}
