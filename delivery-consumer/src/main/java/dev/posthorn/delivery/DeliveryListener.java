package dev.posthorn.delivery;

import java.time.Duration;

/**
 * Observability events (metrics hang off these; the service itself logs only what an operator acts
 * on). Called from delivery threads: implementations must be thread-safe and quick, and whatever
 * they throw is logged and ignored. Every method has an empty default.
 */
public interface DeliveryListener {

    /** Ignores everything. */
    DeliveryListener NONE = new DeliveryListener() {};

    /** Called once at start with live values for gauges (in flight, queued, consumer lag, inbox size). */
    default void gauges(DeliveryGauges gauges) {}

    default void stateChanged(DeliveryService.State state) {}

    /** An endpoint answered (any status); for per-endpoint latency. */
    default void responded(String endpoint, int status, Duration latency) {}

    /** A 2xx whose inbox marker Kafka acknowledged: the delivery is done. */
    default void delivered(String subscriptionId, String endpoint, int attempt) {}

    /** An attempt did not deliver. */
    default void failed(String subscriptionId, String endpoint, FailureClass failure) {}

    /** A retry record for {@code tier} was acknowledged (or an in-memory retry scheduled, for strict order). */
    default void retried(String subscriptionId, int tier) {}

    /** A DLQ record was acknowledged. */
    default void deadLettered(String subscriptionId, String reason) {}

    /** A subscription was disabled after a 410. */
    default void disabled(String subscriptionId, String reason) {}

    /** The subscription's filter turned the event away: it was not sent. */
    default void filtered(String subscriptionId) {}

    /** A delivery was skipped because the inbox had its marker (or the same delivery was already in flight). */
    default void inboxHit(String subscriptionId) {}

    /** An attempt's outcome is durable and its record was handed to the delivery log ({@code <prefix>.attempts}). */
    default void attempted(String subscriptionId, dev.posthorn.delivery.attempts.AttemptOutcome outcome) {}

    /**
     * An HTTP attempt is about to be sent. The returned observer hears how it ended; a traceparent it
     * gives is sent on this request instead of the event's (tracing: the attempt span's). Not called
     * when no request is made (circuit open, unsignable event).
     */
    default AttemptObserver attemptStarting(AttemptStart attempt) {
        return AttemptObserver.NONE;
    }
}
