package dev.posthorn.delivery.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.DeliveryListener;
import dev.posthorn.delivery.DeliveryService;
import dev.posthorn.delivery.FailureClass;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

@PosthornIntegrationTest
class HangingEndpointTest {

    private static final int EVENTS = 200;

    @Test
    void aHangingEndpointHoldsOnlyItsOwnSlots(KafkaBroker kafka, TestScope scope) throws Exception {
        AtomicInteger timeouts = new AtomicInteger();
        DeliveryListener listener = new DeliveryListener() {
            @Override
            public void failed(String subscriptionId, String endpoint, FailureClass failure) {
                if (failure == FailureClass.TIMEOUT) {
                    timeouts.incrementAndGet();
                }
            }
        };
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 3);
             Receiver one = Receiver.start(Receiver.OK, "s");
             Receiver two = Receiver.start(Receiver.OK, "s");
             Receiver hanging = Receiver.start((id, n) -> Receiver.Answer.hangForever(), "s")) {
            posthorn.subscription("*", one.url()).secret("s").put();
            posthorn.subscription("*", two.url()).secret("s").put();
            posthorn.subscription("*", hanging.url()).secret("s").put();
            DeliveryService service = posthorn.start(posthorn.config()
                    .maxInFlight(32).maxInFlightPerEndpoint(4).responseTimeout(Duration.ofSeconds(2))
                    .listener(listener).build());
            java.util.Set<String> sent = posthorn.sendEvents("audit.logged", EVENTS).stream()
                    .map(PosthornFixture.SentEvent::id).collect(java.util.stream.Collectors.toSet());

            // 200 events need at least 100 s of 2 s timeouts through 4 slots: the healthy ones must not wait.
            Await.until(Duration.ofSeconds(60), "healthy endpoints done", () -> one.count() == EVENTS && two.count() == EVENTS);
            assertThat(hanging.distinctEvents()).isLessThan(EVENTS);
            assertThat(hanging.hanging()).as("the hanging endpoint was tried").isPositive();
            for (Receiver healthy : java.util.List.of(one, two)) {
                assertThat(healthy.requests().stream().map(Receiver.Request::eventId).collect(java.util.stream.Collectors.toSet()))
                        .isEqualTo(sent);
            }
            Await.until(Duration.ofSeconds(30), "the hanging endpoint's requests time out", () -> timeouts.get() >= 4);

            // Close drains within its budget although requests are still hanging.
            long start = System.nanoTime();
            service.close(Duration.ofSeconds(3));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).isLessThan(Duration.ofSeconds(8));
            assertThat(service.state()).isEqualTo(DeliveryService.State.STOPPED);
        }
    }
}
