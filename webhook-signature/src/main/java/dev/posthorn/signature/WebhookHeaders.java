package dev.posthorn.signature;

/**
 * Names of the headers on every delivery attempt (DESIGN.md, "What a subscriber receives"). The
 * {@code X-} set is the reference design's; the lower-case {@code webhook-} set is Standard
 * Webhooks'. HTTP header names are case-insensitive; these are the spellings Posthorn sends.
 */
public final class WebhookHeaders {

    /** The event id (a UUID); receivers dedupe on it. Same value as {@link #WEBHOOK_ID}. */
    public static final String EVENT_ID = "X-Event-Id";
    /** The event topic, e.g. {@code invoice.created}. */
    public static final String TOPIC = "X-Topic";
    /** Delivery attempt of this event to this subscription, starting at 1. */
    public static final String ATTEMPT = "X-Attempt";
    /** Reference scheme: lower-case hex HMAC-SHA256 of the body, keyed with the current secret. */
    public static final String SIGNATURE = "X-Signature";
    /** Always {@code hmac-sha256}. */
    public static final String SIGNATURE_ALG = "X-Signature-Alg";
    /** Always {@code v1}. */
    public static final String SIGNATURE_VERSION = "X-Signature-Version";
    /** Version of the payload's schema, as the application published it. */
    public static final String PAYLOAD_VERSION = "X-Payload-Version";
    /** Id of the subscription this delivery is for. */
    public static final String SUBSCRIPTION = "X-Webhook-Subscription";
    /** Standard Webhooks message id (= the event id). */
    public static final String WEBHOOK_ID = "webhook-id";
    /** Standard Webhooks timestamp: unix seconds of this attempt. */
    public static final String WEBHOOK_TIMESTAMP = "webhook-timestamp";
    /** Standard Webhooks signatures: space-separated {@code v1,<base64>}, one per valid secret. */
    public static final String WEBHOOK_SIGNATURE = "webhook-signature";
    /** W3C trace context, sent when the outbox row carried one. */
    public static final String TRACEPARENT = "traceparent";
    public static final String CONTENT_TYPE = "Content-Type";
    public static final String USER_AGENT = "User-Agent";

    private WebhookHeaders() {
    }
}
