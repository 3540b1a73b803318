package dev.posthorn.delivery.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.DeliveryConfig;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
        private final ServerSocket server;
        private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

        SlowReceiver() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            threads.execute(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket socket = server.accept();
                        threads.execute(() -> serve(socket));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/hooks");
        }

        private void serve(Socket socket) {
            try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    in.readNBytes(Integer.parseInt(header(head, "content-length", "0")));
                    String id = header(head, "webhook-id", "");
                    opened.add(id);
                    AtomicInteger now = open.computeIfAbsent(id, k -> new AtomicInteger());
                    mostAtOnce.merge(id, now.incrementAndGet(), Math::max);
                    try {
                        if (!clientStaysFor(socket, in, ANSWER_AFTER)) {
                            aborted.incrementAndGet();
                            return;
                        }
                        out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        answered.merge(id, 1, Integer::sum);
                    } finally {
                        now.decrementAndGet();
                    }
                }
            } catch (IOException e) {
                // the client went away
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

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            int b;
            while ((b = in.read()) >= 0) {
                head.write(b);
                matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
                if (matched == 4) {
                    return head.toString(StandardCharsets.US_ASCII);
                }
            }
            return null;
        }

        private static String header(String head, String name, String otherwise) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return otherwise;
        }

        @Override
        public void close() throws IOException {
            server.close();
            threads.shutdownNow();
        }
    }
}
