package dev.posthorn.delivery.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An endpoint's slot is freed when its HTTP exchange ends, before the inbox marker is acknowledged:
 * a slow receiver must see exactly {@code maxInFlightPerEndpoint} requests at once, so freed slots are
 * used at once. (The upper bound holds twice over: the sender's connection pool per route has the
 * same size, so this test cannot tell the consumer loop's count from the pool's.)
 */
@PosthornIntegrationTest
class EndpointConcurrencyTest {

    private static final int EVENTS = 150;
    private static final int SLOTS = 4;

    @Test
    void aSlowEndpointGetsExactlyItsSlotsAtOnce(KafkaBroker kafka, TestScope scope) throws Exception {
        AtomicInteger now = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Receiver.Behaviour slow = (eventId, n) -> {
            most.accumulateAndGet(now.incrementAndGet(), Math::max);
            try {
                Thread.sleep(15);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                now.decrementAndGet();
            }
            return Receiver.Answer.of(204);
        };
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 3);
             Receiver receiver = Receiver.start(slow, "s")) {
            posthorn.subscription("*", receiver.url()).secret("s").put();
            posthorn.start(posthorn.config().maxInFlight(64).maxInFlightPerEndpoint(SLOTS).build());

            posthorn.sendEvents("audit.logged", EVENTS);

            Await.until(Duration.ofSeconds(60), "every event delivered", () -> receiver.distinctEvents() == EVENTS);
            assertThat(most.get()).isEqualTo(SLOTS);
            assertThat(receiver.count()).isEqualTo(EVENTS);
        }
    }
}
