package dev.posthorn.signature;

import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Signs deliveries with both schemes Posthorn sends on every attempt.
 *
 * <ul>
 *   <li>Reference scheme ({@code X-Signature}): lower-case hex HMAC-SHA256 of the body bytes, keyed
 *       with the UTF-8 bytes of the secret string.</li>
 *   <li>Standard Webhooks ({@code webhook-signature}): {@code v1,} + base64 HMAC-SHA256 of
 *       {@code "<id>.<timestamp>.<body>"}, keyed as {@link WebhookSecrets} describes.</li>
 * </ul>
 *
 * The body must be the exact bytes sent, which for Posthorn is the canonical JSON of the envelope
 * ({@link CanonicalJson}). All methods are thread-safe.
 */
public final class WebhookSigner {

    private static final HexFormat HEX = HexFormat.of();

    private WebhookSigner() {
    }

    /** The reference scheme's {@code X-Signature} value: lower-case hex HMAC-SHA256 of {@code body}. */
    public static String referenceSignature(byte[] body, String secret) {
        Objects.requireNonNull(body, "body");
        return HEX.formatHex(Hmac.ofBody(WebhookSecrets.referenceKey(secret), body));
    }

    /** One Standard Webhooks signature entry: {@code v1,<base64 HMAC-SHA256 of "id.timestamp.body">}. */
    public static String standardSignature(String messageId, long timestampSeconds, byte[] body, String secret) {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(body, "body");
        byte[] mac = Hmac.ofStandardContent(WebhookSecrets.standardKey(secret), messageId, timestampSeconds, body);
        return "v1," + Base64.getEncoder().encodeToString(mac);
    }

    /**
     * One Standard Webhooks asymmetric entry: {@code v1a,<base64 Ed25519 signature of "id.timestamp.body">},
     * signed with a {@code whsk_} key (see {@link Ed25519Keys}).
     */
    public static String asymmetricSignature(String messageId, long timestampSeconds, byte[] body, String signingKey) {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(body, "body");
        return "v1a," + Base64.getEncoder().encodeToString(
                Ed25519Keys.sign(signingKey, signedContent(messageId, timestampSeconds, body)));
    }

    /** {@code "<id>.<timestamp>.<body>"}: what Standard Webhooks signatures cover. */
    static byte[] signedContent(String messageId, long timestampSeconds, byte[] body) {
        byte[] prefix = (messageId + "." + timestampSeconds + ".").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] content = java.util.Arrays.copyOf(prefix, prefix.length + body.length);
        System.arraycopy(body, 0, content, prefix.length, body.length);
        return content;
    }

    /** Starts the complete, ordered header set of one delivery attempt. */
    public static AttemptHeaders attemptHeaders() {
        return new AttemptHeaders();
    }

    /**
     * Builder of every header of one delivery attempt, in the order they are sent. Set everything
     * except {@link #previousSecrets} and {@link #traceparent}, which are optional.
     */
    public static final class AttemptHeaders {

        private String eventId;
        private String topic;
        private int attempt;
        private Integer payloadVersion;
        private String subscriptionId;
        private Long timestampSeconds;
        private byte[] body;
        private String currentSecret;
        private List<String> previousSecrets = List.of();
        private boolean hmac = true;
        private List<String> signingKeys = List.of();
        private String traceparent;
        private String userAgentVersion;

        private AttemptHeaders() {
        }

        /** The event id; sent as both {@code X-Event-Id} and {@code webhook-id}. */
        public AttemptHeaders eventId(String eventId) {
            this.eventId = eventId;
            return this;
        }

        public AttemptHeaders topic(String topic) {
            this.topic = topic;
            return this;
        }

        /** 1 for the first attempt. */
        public AttemptHeaders attempt(int attempt) {
            this.attempt = attempt;
            return this;
        }

        public AttemptHeaders payloadVersion(int payloadVersion) {
            this.payloadVersion = payloadVersion;
            return this;
        }

        public AttemptHeaders subscriptionId(String subscriptionId) {
            this.subscriptionId = subscriptionId;
            return this;
        }

        /** Unix seconds of this attempt; take it from an injected {@link java.time.Clock}. */
        public AttemptHeaders timestamp(long epochSeconds) {
            this.timestampSeconds = epochSeconds;
            return this;
        }

        /** The exact bytes that will be sent as the request body. Not copied. */
        public AttemptHeaders body(byte[] body) {
            this.body = body;
            return this;
        }

        /** The subscription's current secret: signs {@code X-Signature} and the first {@code v1,} entry. */
        public AttemptHeaders currentSecret(String secret) {
            this.currentSecret = secret;
            return this;
        }

        /**
         * Older secrets still inside their rotation grace period, newest first; each adds one
         * {@code v1,} entry to {@code webhook-signature} after the current one.
         */
        public AttemptHeaders previousSecrets(List<String> secrets) {
            this.previousSecrets = new ArrayList<>(secrets);
            return this;
        }

        /**
         * Whether to sign with the HMAC secrets (default true). Without HMAC (a subscription signing with
         * Ed25519 only) no {@code X-Signature} is sent and {@code webhook-signature} has only {@code v1a} entries.
         */
        public AttemptHeaders hmac(boolean hmac) {
            this.hmac = hmac;
            return this;
        }

        /**
         * Ed25519 signing keys ({@code whsk_…}), current first, then older ones inside their rotation grace
         * period; each adds one {@code v1a,} entry to {@code webhook-signature} after the {@code v1,} ones.
         */
        public AttemptHeaders signingKeys(List<String> keys) {
            this.signingKeys = new ArrayList<>(keys);
            return this;
        }

        /** W3C {@code traceparent} of the outbox row, or null to send none. */
        public AttemptHeaders traceparent(String traceparent) {
            this.traceparent = traceparent;
            return this;
        }

        /** Posthorn's version for {@code User-Agent: Posthorn/<version>}. */
        public AttemptHeaders userAgentVersion(String version) {
            this.userAgentVersion = version;
            return this;
        }

        /**
         * Signs and returns the headers as an unmodifiable map in sending order.
         *
         * @throws IllegalArgumentException naming every missing or invalid field (never a secret)
         */
        public Map<String, String> build() {
            List<String> problems = new ArrayList<>();
            requireHeaderValue(problems, "eventId", eventId);
            requireHeaderValue(problems, "topic", topic);
            requireHeaderValue(problems, "subscriptionId", subscriptionId);
            requireHeaderValue(problems, "userAgentVersion", userAgentVersion);
            if (traceparent != null) {
                requireHeaderValue(problems, "traceparent", traceparent);
            }
            if (attempt < 1) {
                problems.add("attempt must be 1 or more (got " + attempt + ")");
            }
            if (payloadVersion == null) {
                problems.add("payloadVersion is required");
            }
            if (timestampSeconds == null || timestampSeconds < 0) {
                problems.add("timestamp must be set to unix seconds");
            }
            if (body == null) {
                problems.add("body is required");
            }
            if (hmac && (currentSecret == null || currentSecret.isEmpty())) {
                problems.add("currentSecret is required");
            }
            if (!hmac && signingKeys.isEmpty()) {
                problems.add("signingKeys are required without HMAC");
            }
            if (signingKeys.stream().anyMatch(k -> k == null || k.isEmpty())) {
                problems.add("signingKeys must not contain empty entries");
            }
            if (previousSecrets.stream().anyMatch(s -> s == null || s.isEmpty())) {
                problems.add("previousSecrets must not contain empty entries");
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("cannot sign delivery attempt: " + String.join("; ", problems));
            }

            // The same secret twice (e.g. a rotation to an identical value) would only repeat an entry.
            Set<String> secrets = new LinkedHashSet<>();
            if (hmac) {
                secrets.add(currentSecret);
                secrets.addAll(previousSecrets);
            }
            StringBuilder standard = new StringBuilder(secrets.size() * 48 + signingKeys.size() * 92);
            for (String secret : secrets) {
                if (standard.length() > 0) {
                    standard.append(' ');
                }
                standard.append(standardSignature(eventId, timestampSeconds, body, secret));
            }
            for (String key : new LinkedHashSet<>(signingKeys)) {
                if (standard.length() > 0) {
                    standard.append(' ');
                }
                standard.append(asymmetricSignature(eventId, timestampSeconds, body, key));
            }

            Map<String, String> headers = new LinkedHashMap<>(32);
            headers.put(WebhookHeaders.EVENT_ID, eventId);
            headers.put(WebhookHeaders.TOPIC, topic);
            headers.put(WebhookHeaders.ATTEMPT, Integer.toString(attempt));
            if (hmac) {
                headers.put(WebhookHeaders.SIGNATURE, referenceSignature(body, currentSecret));
                headers.put(WebhookHeaders.SIGNATURE_ALG, "hmac-sha256");
                headers.put(WebhookHeaders.SIGNATURE_VERSION, "v1");
            }
            headers.put(WebhookHeaders.PAYLOAD_VERSION, Integer.toString(payloadVersion));
            headers.put(WebhookHeaders.SUBSCRIPTION, subscriptionId);
            headers.put(WebhookHeaders.WEBHOOK_ID, eventId);
            headers.put(WebhookHeaders.WEBHOOK_TIMESTAMP, Long.toString(timestampSeconds));
            headers.put(WebhookHeaders.WEBHOOK_SIGNATURE, standard.toString());
            headers.put(WebhookHeaders.CONTENT_TYPE, "application/json");
            headers.put(WebhookHeaders.USER_AGENT, "Posthorn/" + userAgentVersion);
            if (traceparent != null) {
                headers.put(WebhookHeaders.TRACEPARENT, traceparent);
            }
            return Collections.unmodifiableMap(headers);
        }

        private static void requireHeaderValue(List<String> problems, String field, String value) {
            if (value == null || value.isBlank()) {
                problems.add(field + " is required");
                return;
            }
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                // A CR or LF here would let data from the outbox row inject headers.
                if (c < 0x20 || c == 0x7f || c > 0x7e) {
                    problems.add(field + " must be printable ASCII (character " + i + " is not)");
                    return;
                }
            }
        }
    }
}
