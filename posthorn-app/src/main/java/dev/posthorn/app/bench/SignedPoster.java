package dev.posthorn.app.bench;

import dev.posthorn.delivery.DeliveryConfig;
import dev.posthorn.delivery.http.WebhookSender;
import dev.posthorn.signature.WebhookSigner;
import java.io.IOException;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;

/**
 * Signs and POSTs an event the way the delivery consumer does, for the baselines that deliver without
 * Posthorn: every header of {@link WebhookSigner#attemptHeaders()}, sent by delivery's own
 * {@link WebhookSender} with the settings the bench gives delivery, so that ratios compare like with like.
 * Thread-safe.
 */
final class SignedPoster implements AutoCloseable {

    private final WebhookSender sender;
    private final Clock clock;

    SignedPoster(BenchSettings settings, Clock clock) {
        this.sender = WebhookSender.of(PosthornPipeline.deliveryConfig(settings)
                // Only the HTTP settings are used: these satisfy the config's checks and reach nothing.
                .bootstrapServers("unused:9092")
                .groupId("bench-baseline")
                .secretKey(randomKey())
                .build());
        this.clock = clock;
    }

    /** One signed attempt; returns the HTTP status. */
    int post(URI url, String subscriptionId, String secret, String eventId, String topic, byte[] body) throws IOException {
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
        return sender.post(url, headers, body).status();
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    @Override
    public void close() {
        sender.close();
    }
}
