package dev.posthorn.delivery.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * An endpoint that stops answering is found by its stuck slots within about a second, not after a
 * whole response timeout: until then its growing queue counts towards backpressure and pauses the
 * partitions, which would starve every other endpoint for that long.
 */
@PosthornIntegrationTest
class StalledEndpointTest {

    private static final int EVENTS = 300;
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(60);

    @Test
    void otherEndpointsKeepGoingLongBeforeTheResponseTimeout(KafkaBroker kafka, TestScope scope) throws Exception {
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 3);
             Receiver healthy = Receiver.start(Receiver.OK, "s");
             Receiver stalled = Receiver.start((id, n) -> Receiver.Answer.hangForever(), "s")) {
            posthorn.subscription("*", healthy.url()).secret("s").put();
            posthorn.subscription("*", stalled.url()).secret("s").put();
            // Backpressure at 2 x 16 buffered deliveries: the stalled endpoint's queue alone reaches it,
            // and small polls make the consumer fetch the events a few at a time, so it must pause.
            posthorn.start(posthorn.config().maxPollRecords(10)
                    .maxInFlight(16).maxInFlightPerEndpoint(4).responseTimeout(RESPONSE_TIMEOUT).build());

            long start = System.nanoTime();
            posthorn.sendEvents("audit.logged", EVENTS);

            Await.until(Duration.ofSeconds(30), "the healthy endpoint has every event", () -> healthy.distinctEvents() == EVENTS);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(RESPONSE_TIMEOUT.dividedBy(2));
            assertThat(stalled.hanging()).isEqualTo(4);
        }
    }
}
