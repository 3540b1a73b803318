package dev.posthorn.signature;

/** The two signature schemes on every Posthorn delivery. */
public enum SignatureScheme {
    /**
     * The reference design's {@code X-Signature}: hex HMAC-SHA256 of the body. It binds neither a
     * timestamp nor the event id, so on its own it cannot tell a replayed request from a new one.
     */
    REFERENCE,
    /**
     * Standard Webhooks' {@code webhook-signature} over {@code "<webhook-id>.<webhook-timestamp>.<body>"};
     * with the timestamp tolerance it also rejects old requests replayed later.
     */
    STANDARD
}
