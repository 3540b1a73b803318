package dev.posthorn.app.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.signature.WebhookSecrets;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class WebhookReceiverTest {

    private static final byte[] BODY = "{\"payload\":{},\"topic\":\"bench.x.event\"}".getBytes(StandardCharsets.US_ASCII);

    private final WebhookReceiver receiver = start();
    private final SignedPoster poster = new SignedPoster(BenchSettings.builder(true).build(), Clock.systemUTC());

    @AfterEach
    void close() {
        poster.close();
        receiver.close();
    }

    @Test
    void acceptsSignedPostsOverOneKeepAliveConnectionAndCountsDuplicates() throws Exception {
        String secret = WebhookSecrets.generate();
        ReceiverEndpoint endpoint = receiver.add(ReceiverEndpoint.accepting("a", secret, ReceiverEndpoint.ReceiptListener.NONE));
        URI url = receiver.url(endpoint);

        for (int i = 0; i < 50; i++) {
            assertThat(poster.post(url, "sub-1", secret, "e-" + i, "bench.x.event", BODY)).isEqualTo(204);
        }
        assertThat(poster.post(url, "sub-1", secret, "e-7", "bench.x.event", BODY)).isEqualTo(204);

        assertThat(endpoint.distinctEvents()).isEqualTo(50);
        assertThat(endpoint.duplicates()).isEqualTo(1);
        assertThat(endpoint.badSignatures()).isZero();
    }

    @Test
    void refusesWrongSignaturesUnknownEndpointsAndOtherMethods() throws Exception {
        String secret = WebhookSecrets.generate();
        ReceiverEndpoint endpoint = receiver.add(ReceiverEndpoint.accepting("b", secret, ReceiverEndpoint.ReceiptListener.NONE));

        assertThat(poster.post(receiver.url(endpoint), "sub-1", WebhookSecrets.generate(), "e-1", "bench.x.event", BODY))
                .isEqualTo(401);
        assertThat(poster.post(URI.create(receiver.url(endpoint) + "-missing"), "sub-1", secret, "e-1", "bench.x.event", BODY))
                .isEqualTo(404);
        assertThat(exchange("GET /hooks/b HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 405 ");

        assertThat(endpoint.badSignatures()).isEqualTo(1);
        assertThat(endpoint.distinctEvents()).isZero();
    }

    @Test
    void refusesChunkedBodiesAndClosesTheConnection() throws IOException {
        String answer = exchange("POST /hooks/c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 411 ").contains("Connection: close");
    }

    @Test
    void aHangingEndpointAnswers503AfterItsHang() throws Exception {
        String secret = WebhookSecrets.generate();
        ReceiverEndpoint endpoint = receiver.add(ReceiverEndpoint.hanging("d", secret, Duration.ofMillis(200)));

        long start = System.nanoTime();
        int status = poster.post(receiver.url(endpoint), "sub-1", secret, "e-1", "bench.x.event", BODY);

        assertThat(status).isEqualTo(503);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(endpoint.hungRequests()).isEqualTo(1);
    }

    /** Writes {@code request} on a fresh connection and reads until the server closes it or 2 s pass. */
    private String exchange(String request) throws IOException {
        URI base = receiver.url(receiver.add(ReceiverEndpoint.accepting("raw-" + System.nanoTime(),
                WebhookSecrets.generate(), ReceiverEndpoint.ReceiptListener.NONE)));
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder answer = new StringBuilder();
            byte[] buffer = new byte[512];
            try {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    answer.append(new String(buffer, 0, n, StandardCharsets.US_ASCII));
                    if (answer.indexOf("\r\n\r\n") >= 0 && !request.contains("chunked")) {
                        break;
                    }
                }
            } catch (java.net.SocketTimeoutException e) {
                // answered without closing: what we have is the answer
            }
            return answer.toString();
        }
    }

    private static WebhookReceiver start() {
        try {
            return WebhookReceiver.start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
