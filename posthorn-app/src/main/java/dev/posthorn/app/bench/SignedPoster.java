package dev.posthorn.app.bench;

import dev.posthorn.signature.WebhookSigner;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * Signs and POSTs an event the way the delivery consumer does (every header of
 * {@link WebhookSigner#attemptHeaders()}), for the baselines that deliver without Posthorn.
 * Thread-safe; one pooled HTTP/1.1 client.
 */
final class SignedPoster implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    private final Clock clock;

    SignedPoster(Clock clock) {
        this.clock = clock;
    }

    /** One signed attempt; returns the HTTP status. */
    int post(URI url, String subscriptionId, String secret, String eventId, String topic, byte[] body)
            throws IOException, InterruptedException {
        Map<String, String> headers = WebhookSigner.attemptHeaders()
                .eventId(eventId)
                .topic(topic)
                .attempt(1)
                .payloadVersion(1)
                .subscriptionId(subscriptionId)
                .timestamp(clock.instant().getEpochSecond())
                .body(body)
                .currentSecret(secret)
                .userAgentVersion("bench")
                .build();
        HttpRequest.Builder request = HttpRequest.newBuilder(url)
                .timeout(TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Override
    public void close() {
        client.close();
    }
}
