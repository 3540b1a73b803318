package dev.posthorn.delivery.subscriptions;

import dev.posthorn.filter.EventFilter;
import java.net.URI;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One subscription as the delivery consumer holds it: secrets already opened (in memory only;
 * {@link #toString()} never shows them).
 *
 * @param id                      subscription id (UUID text)
 * @param topic                   exact topic, {@code prefix.*} or {@code *}
 * @param url                     where to POST; null when {@link #problem} says it is unusable
 * @param secret                  current secret, opened; null when {@link #problem} is set
 * @param previousSecret          the secret before the last rotation, opened, or null
 * @param previousSecretExpiresAt until when the previous secret still signs; null = no end given
 * @param enabled                 false once disabled (by an operator or after a 410)
 * @param disabledReason          why it is disabled, or null
 * @param strictOrder             deliver per aggregate key strictly in order (a failing head blocks its key)
 * @param updatedAt               last change as the table recorded it
 * @param problem                 why the subscription cannot be delivered to (e.g. the secret cannot be
 *                                opened with this key), or null when it can
 * @param filter                  which events it wants (over the envelope), or null for every event
 * @param headers                 static custom headers sent on every attempt (validated; never Posthorn's own)
 * @param rateLimit               requests per second across all instances, or 0 for no limit
 * @param signing                 {@code hmac}, {@code ed25519} or {@code both}
 * @param signingKey              the Ed25519 signing key ({@code whsk_…}), opened, or null
 * @param previousSigningKey      the key before the last rotation, opened, or null; valid as long as the previous secret
 */
public record Subscription(
        String id,
        String topic,
        URI url,
        String secret,
        String previousSecret,
        Instant previousSecretExpiresAt,
        boolean enabled,
        String disabledReason,
        boolean strictOrder,
        Instant updatedAt,
        String problem,
        EventFilter filter,
        Map<String, String> headers,
        int rateLimit,
        String signing,
        String signingKey,
        String previousSigningKey) {

    public Subscription {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(topic, "topic");
        headers = headers == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        signing = signing == null ? "hmac" : signing;
    }

    /** Whether deliveries carry HMAC signatures ({@code X-Signature}, {@code v1,} entries). */
    public boolean signsHmac() {
        return !"ed25519".equals(signing);
    }

    /** Ed25519 keys that sign at {@code now}, current first; none unless the subscription signs with Ed25519. */
    public List<String> signingKeys(Instant now) {
        if ("hmac".equals(signing) || signingKey == null) {
            return List.of();
        }
        if (previousSigningKey == null || previousSecretExpiresAt != null && !now.isBefore(previousSecretExpiresAt)) {
            return List.of(signingKey);
        }
        return List.of(signingKey, previousSigningKey);
    }

    /** A subscription without delivery options (no filter, no custom headers, no rate limit). */
    public Subscription(String id, String topic, URI url, String secret, String previousSecret,
            Instant previousSecretExpiresAt, boolean enabled, String disabledReason, boolean strictOrder,
            Instant updatedAt, String problem) {
        this(id, topic, url, secret, previousSecret, previousSecretExpiresAt, enabled, disabledReason, strictOrder,
                updatedAt, problem, null, Map.of(), 0, "hmac", null, null);
    }

    /** Whether the event (its envelope, as delivered) passes this subscription's filter. */
    public boolean accepts(byte[] envelope) {
        return filter == null || filter.matches(envelope);
    }

    /**
     * What its deliveries queue and take slots under: the endpoint, or for a rate-limited subscription a
     * group of its own, so that deliveries waiting for their turn hold only that subscription's slots,
     * never those of other subscriptions at the same endpoint.
     */
    public String slotKey() {
        return rateLimit > 0 ? endpoint() + " rate-limited " + id : endpoint();
    }

    public boolean matches(String eventTopic) {
        return TopicPattern.matches(topic, eventTopic);
    }

    public Optional<String> problemDetail() {
        return Optional.ofNullable(problem);
    }

    /** Older secrets that still sign at {@code now}, newest first (at most one today). */
    public List<String> previousSecrets(Instant now) {
        if (previousSecret == null || previousSecret.isEmpty()) {
            return List.of();
        }
        if (previousSecretExpiresAt != null && !now.isBefore(previousSecretExpiresAt)) {
            return List.of();
        }
        return List.of(previousSecret);
    }

    /** {@code scheme://host:port} of the URL: the unit of per-endpoint limits and circuit breaking. */
    public String endpoint() {
        if (url == null) {
            return "invalid:" + id;
        }
        int port = url.getPort() >= 0 ? url.getPort() : ("https".equalsIgnoreCase(url.getScheme()) ? 443 : 80);
        return url.getScheme().toLowerCase(java.util.Locale.ROOT) + "://" + url.getHost() + ":" + port;
    }

    public Subscription disabled(String reason) {
        return new Subscription(id, topic, url, secret, previousSecret, previousSecretExpiresAt, false, reason,
                strictOrder, updatedAt, problem, filter, headers, rateLimit, signing, signingKey, previousSigningKey);
    }

    @Override
    public String toString() {
        return "Subscription[id=" + id + ", topic=" + topic + ", endpoint=" + endpoint() + ", enabled=" + enabled
                + (disabledReason != null ? ", disabledReason=" + disabledReason : "")
                + ", strictOrder=" + strictOrder + (filter != null ? ", filter=" + filter : "")
                + (headers.isEmpty() ? "" : ", headers=" + headers.keySet())
                + (rateLimit > 0 ? ", rateLimit=" + rateLimit + "/s" : "") + ", signing=" + signing
                + (problem != null ? ", problem=" + problem : "") + "]";
    }
}
