package dev.posthorn.delivery.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.DeliveryGauges;
import dev.posthorn.delivery.DeliveryService;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Deliveries waiting behind a strict-order head count as their partition's backpressure: a hot key
 * behind a failing head waits in Kafka, not in the instance's memory.
 */
@PosthornIntegrationTest
class BoundedMemoryTest {

    private static final int EVENTS = 100_000;
    private static final int MAX_IN_FLIGHT = 64;
    private static final int MAX_POLL_RECORDS = 500;

    @Test
    void aHotStrictKeyBehindAFailingHeadKeepsTheQueueBounded(KafkaBroker kafka, TestScope scope) throws Exception {
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 1);
             Receiver receiver = Receiver.start((id, n) -> Receiver.Answer.of(503), "s")) {
            posthorn.subscription("hot.*", receiver.url()).secret("s").strictOrder().put();
            DeliveryService service = posthorn.start(posthorn.config()
                    .maxInFlight(MAX_IN_FLIGHT).maxInFlightPerEndpoint(16).maxPollRecords(MAX_POLL_RECORDS)
                    .retrySchedule(List.of(Duration.ofSeconds(30))).build());
            DeliveryGauges gauges = service.gauges();

            AtomicInteger mostQueued = new AtomicInteger();
            Thread sampler = Thread.ofVirtual().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    mostQueued.accumulateAndGet(gauges.queued(), Math::max);
                    try {
                        Thread.sleep(20); // sampling period of the gauge, not a wait for a condition
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            try {
                List<PosthornFixture.EventBuilder> events = new ArrayList<>(EVENTS);
                for (int i = 0; i < EVENTS; i++) {
                    events.add(posthorn.event("hot.changed").key("the-hot-key").payload("{\"n\":" + i + "}"));
                }
                posthorn.sendAll(events);
                Await.until(Duration.ofSeconds(60), "the key's deliveries pile up behind its head",
                        () -> gauges.queued() >= 2 * MAX_IN_FLIGHT);
                // Then watch for a while: the consumer keeps up with 100,000 records in well under this.
                long watchUntil = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                Await.until(Duration.ofSeconds(10), "the watch window passes", () -> System.nanoTime() - watchUntil > 0);
            } finally {
                sampler.interrupt();
                sampler.join();
            }
            assertThat(receiver.distinctEvents()).as("only the head was tried").isEqualTo(1);
            // A partition pauses at 2 x maxInFlight waiting; one more poll's worth may arrive meanwhile.
            assertThat(mostQueued.get()).isPositive().isLessThanOrEqualTo(2 * MAX_IN_FLIGHT + MAX_POLL_RECORDS);
            System.out.printf("most queued while %d events of one strict key waited: %d%n", EVENTS, mostQueued.get());
        }
    }
}
