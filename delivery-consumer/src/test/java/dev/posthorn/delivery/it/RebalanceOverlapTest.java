package dev.posthorn.delivery.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.DeliveryConfig;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * After a rebalance no two instances deliver the same work at once: a revoked partition's requests
 * still running when the revoke's wait runs out are aborted before the partition moves, so the new
 * owner's request for an event never overlaps the old owner's.
 */
@PosthornIntegrationTest
class RebalanceOverlapTest {

    private static final Duration ANSWER_AFTER = Duration.ofSeconds(14);
    private static final int EVENTS = 8;

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aRevokedPartitionsSlowRequestsNeverOverlapTheNewOwners(KafkaBroker kafka, TestScope scope) throws Exception {
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 2);
             SlowReceiver receiver = new SlowReceiver()) {
            posthorn.subscription("slow.*", receiver.url()).put();
            // Drain 5 s: the old owner waits 3.5 s for the 14 s answers, then must end its requests itself.
            DeliveryConfig config = posthorn.config().requestTimeout(Duration.ofSeconds(60))
                    .responseTimeout(Duration.ofSeconds(60)).drainTimeout(Duration.ofSeconds(5)).build();
            posthorn.start(config);
            Set<String> sent = ConcurrentHashMap.newKeySet();
            for (int i = 0; i < EVENTS; i++) {
                sent.add(posthorn.event("slow.done").key("key-" + i).send().id());
            }
            Await.until(Duration.ofSeconds(30), "every event's first request open", () -> receiver.opened.size() == EVENTS);

            posthorn.start(config); // a second instance joins: one partition moves to it

            Await.until(Duration.ofSeconds(120), "every event answered 200",
                    () -> receiver.answered.keySet().containsAll(sent));
            assertThat(receiver.answered.keySet()).isEqualTo(sent);
            Map<String, Integer> overlapping = receiver.mostAtOnce.entrySet().stream().filter(e -> e.getValue() > 1)
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            assertThat(overlapping).as("events with two requests open at once").isEmpty();
            assertThat(receiver.aborted.get()).as("the revoked partition's requests were ended by the old owner")
                    .isPositive();
        }
    }

    /**
     * Answers 200 after {@link #ANSWER_AFTER}, watching each connection meanwhile, so that it knows
     * exactly when a client gave a request up.
     */
    private static final class SlowReceiver implements AutoCloseable {
        final Set<String> opened = ConcurrentHashMap.newKeySet();
        final Map<String, Integer> answered = new ConcurrentHashMap<>();
        final Map<String, Integer> mostAtOnce = new ConcurrentHashMap<>();
        final AtomicInteger aborted = new AtomicInteger();
        private final Map<String, AtomicInteger> open = new ConcurrentHashMap<>();
        private final RawHttpReceiver receiver = new RawHttpReceiver(this::answer);

        SlowReceiver() throws IOException {}

        URI url() {
            return receiver.url();
        }

        private boolean answer(RawHttpReceiver.Request request, Socket socket, InputStream in, OutputStream out)
                throws IOException {
            String id = request.header("webhook-id", "");
            opened.add(id);
            AtomicInteger now = open.computeIfAbsent(id, k -> new AtomicInteger());
            mostAtOnce.merge(id, now.incrementAndGet(), Math::max);
            try {
                if (!clientStaysFor(socket, in, ANSWER_AFTER)) {
                    aborted.incrementAndGet();
                    return false;
                }
                out.write(RawHttpReceiver.OK_EMPTY);
                out.flush();
                answered.merge(id, 1, Integer::sum);
                return true;
            } finally {
                now.decrementAndGet();
            }
        }

        /** Waits {@code wait} while the client keeps the connection open; false as soon as it closes it. */
        private static boolean clientStaysFor(Socket socket, InputStream in, Duration wait) throws IOException {
            long until = System.nanoTime() + wait.toNanos();
            socket.setSoTimeout(100);
            try {
                while (System.nanoTime() - until < 0) {
                    try {
                        if (in.read() < 0) {
                            return false;
                        }
                    } catch (SocketTimeoutException stillThere) {
                        // nothing sent, still connected: keep waiting
                    } catch (IOException reset) {
                        return false;
                    }
                }
                return true;
            } finally {
                socket.setSoTimeout(0);
            }
        }

        @Override
        public void close() throws IOException {
            receiver.close();
        }
    }
}
