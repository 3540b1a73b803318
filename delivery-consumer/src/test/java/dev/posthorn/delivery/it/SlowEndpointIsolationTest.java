package dev.posthorn.delivery.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * An endpoint that answers every request correctly but slowly holds only its own slots: a fast
 * endpoint subscribed to the same events keeps its pace.
 */
@PosthornIntegrationTest
class SlowEndpointIsolationTest {

    private static final int EVENTS = 2000;

    @Test
    void aSlowButAnsweringEndpointDoesNotThrottleAFastOne(KafkaBroker kafka, TestScope scope) throws Exception {
        Receiver.Behaviour oneSecond = (eventId, n) -> {
            try {
                Thread.sleep(1000); // the slow receiver's own work
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Receiver.Answer.of(200);
        };
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 3);
             Receiver slow = Receiver.start(oneSecond, "slow");
             Receiver fast = Receiver.start(Receiver.OK, "fast")) {
            posthorn.subscription("ledger.*", slow.url()).secret("slow").put();
            posthorn.subscription("ledger.*", fast.url()).secret("fast").put();
            posthorn.start(posthorn.config().responseTimeout(Duration.ofSeconds(5)).build());

            Set<String> sent = posthorn.sendEvents("ledger.posted", EVENTS).stream()
                    .map(PosthornFixture.SentEvent::id).collect(Collectors.toSet());
            long start = System.nanoTime();

            Await.until(Duration.ofSeconds(15), "the fast receiver has every event", () -> fast.distinctEvents() == EVENTS);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            Set<String> got = fast.requests().stream().map(Receiver.Request::eventId).collect(Collectors.toSet());
            assertThat(got).isEqualTo(sent);
            assertThat(fast.requests()).allMatch(r -> r.verification().isVerified());
            assertThat(slow.count()).as("the slow endpoint is still being served").isPositive();
            System.out.printf("fast receiver had all %d events after %d ms; slow one had %d requests%n",
                    EVENTS, took.toMillis(), slow.count());
        }
    }
}
