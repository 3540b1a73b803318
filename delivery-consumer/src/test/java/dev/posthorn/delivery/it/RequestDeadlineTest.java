package dev.posthorn.delivery.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.DeliveryListener;
import dev.posthorn.delivery.FailureClass;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** One total deadline per request: a receiver that trickles its answer is cut off and retried. */
@PosthornIntegrationTest
class RequestDeadlineTest {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);

    @Test
    void aTricklingReceiverIsCutOffAtTheDeadlineAndRetried(KafkaBroker kafka, TestScope scope) throws Exception {
        AtomicInteger timeouts = new AtomicInteger();
        DeliveryListener listener = new DeliveryListener() {
            @Override
            public void failed(String subscriptionId, String endpoint, FailureClass failure) {
                if (failure == FailureClass.TIMEOUT) {
                    timeouts.incrementAndGet();
                }
            }
        };
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 1);
             TricklingReceiver receiver = new TricklingReceiver()) {
            posthorn.subscription("slowloris.*", receiver.url()).put();
            // Each trickled byte comes well within the response (socket) timeout: only a total deadline ends it.
            posthorn.start(posthorn.config().responseTimeout(Duration.ofSeconds(2)).requestTimeout(REQUEST_TIMEOUT)
                    .listener(listener).build());

            String id = posthorn.event("slowloris.sent").send().id();

            Await.until(Duration.ofSeconds(30), "the retry answered", () -> receiver.attempts.size() >= 2);
            assertThat(receiver.attempts).startsWith(1, 2);
            assertThat(receiver.eventIds).allMatch(id::equals);
            assertThat(timeouts.get()).isEqualTo(1);
            // Cut off at the deadline (then retried after the 200 ms tier), not at some later socket timeout.
            Duration betweenAttempts = Duration.between(receiver.arrivals.get(0), receiver.arrivals.get(1));
            assertThat(betweenAttempts).isBetween(REQUEST_TIMEOUT.minusMillis(200), REQUEST_TIMEOUT.plusSeconds(2));
            // The receiver sees its connection go (on its next trickled byte).
            Await.until(Duration.ofSeconds(10), "the receiver sees the cut", () -> !receiver.cutOff.isEmpty());
        }
    }

    /** Answers the first attempt one header byte per second for ever, later attempts at once. */
    private static final class TricklingReceiver implements AutoCloseable {
        final List<Integer> attempts = new CopyOnWriteArrayList<>();
        final List<String> eventIds = new CopyOnWriteArrayList<>();
        final List<java.time.Instant> arrivals = new CopyOnWriteArrayList<>();
        final List<Duration> cutOff = new CopyOnWriteArrayList<>();
        private final RawHttpReceiver receiver = new RawHttpReceiver(this::answer);

        TricklingReceiver() throws IOException {}

        URI url() {
            return receiver.url();
        }

        private boolean answer(RawHttpReceiver.Request request, Socket socket, InputStream in, OutputStream out)
                throws IOException {
            int attempt = Integer.parseInt(request.header("x-attempt", "0"));
            arrivals.add(java.time.Instant.now());
            attempts.add(attempt);
            eventIds.add(request.header("x-event-id", ""));
            if (attempt == 1) {
                long start = System.nanoTime();
                out.write("HTTP/1.1 200 OK\r\nX-Trickle: ".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                try {
                    while (true) {
                        Thread.sleep(1000); // the receiver's pace: one byte a second
                        out.write('a');
                        out.flush();
                    }
                } catch (IOException e) {
                    cutOff.add(Duration.ofNanos(System.nanoTime() - start));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return false;
            }
            out.write(RawHttpReceiver.OK_EMPTY);
            out.flush();
            return true;
        }

        @Override
        public void close() throws IOException {
            receiver.close();
        }
    }
}
