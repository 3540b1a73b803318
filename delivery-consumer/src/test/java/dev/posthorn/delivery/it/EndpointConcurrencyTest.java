package dev.posthorn.delivery.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * An endpoint's slot is freed when its HTTP exchange ends, before the inbox marker is acknowledged:
 * a slow receiver must see exactly {@code maxInFlightPerEndpoint} requests at once, so freed slots are
 * used at once. (The upper bound holds twice over: the sender's connection pool per route has the
 * same size, so this test cannot tell the consumer loop's count from the pool's.)
 */
@PosthornIntegrationTest
class EndpointConcurrencyTest {

    private static final int EVENTS = 148; // whole groups of SLOTS
    private static final int SLOTS = 4;
    private static final long GROUP_WAIT_NANOS = Duration.ofSeconds(5).toNanos();

    @Test
    void aSlowEndpointGetsExactlyItsSlotsAtOnce(KafkaBroker kafka, TestScope scope) throws Exception {
        // Each request is held until SLOTS requests are in at once (or a deadline passes), so the
        // endpoint is slow exactly as long as the freed slots take to be used again.
        Object lock = new Object();
        int[] now = {0};
        int[] most = {0};
        long[] groupsFilled = {0};
        Receiver.Behaviour slow = (eventId, n) -> {
            synchronized (lock) {
                now[0]++;
                most[0] = Math.max(most[0], now[0]);
                long group = groupsFilled[0];
                if (now[0] >= SLOTS) {
                    groupsFilled[0]++;
                    lock.notifyAll();
                }
                long deadline = System.nanoTime() + GROUP_WAIT_NANOS;
                try {
                    while (groupsFilled[0] == group && deadline - System.nanoTime() > 0) {
                        lock.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    now[0]--;
                }
            }
            return Receiver.Answer.of(204);
        };
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 3);
             Receiver receiver = Receiver.start(slow, "s")) {
            posthorn.subscription("*", receiver.url()).secret("s").put();
            posthorn.start(posthorn.config().maxInFlight(64).maxInFlightPerEndpoint(SLOTS).build());

            posthorn.sendEvents("audit.logged", EVENTS);

            Await.until(Duration.ofSeconds(60), "every event delivered", () -> receiver.distinctEvents() == EVENTS);
            synchronized (lock) {
                assertThat(most[0]).isEqualTo(SLOTS);
            }
            assertThat(receiver.count()).isEqualTo(EVENTS);
        }
    }
}
