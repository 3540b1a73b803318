package dev.posthorn.delivery.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.DeliveryListener;
import dev.posthorn.delivery.FailureClass;
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
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
        private final ServerSocket server;
        private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

        TricklingReceiver() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            threads.execute(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket socket = server.accept();
                        threads.execute(() -> serve(socket));
                    } catch (IOException e) {
                        return; // closed
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
                    int length = Integer.parseInt(header(head, "content-length", "0"));
                    in.readNBytes(length);
                    int attempt = Integer.parseInt(header(head, "x-attempt", "0"));
                    arrivals.add(java.time.Instant.now());
                    attempts.add(attempt);
                    eventIds.add(header(head, "x-event-id", ""));
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
                            return;
                        }
                    }
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            } catch (IOException e) {
                // client went away
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
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
