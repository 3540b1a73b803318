package dev.posthorn.delivery;

import java.time.Instant;

/**
 * One unit of work: an event for one subscription, as far as it got. Immutable; each attempt makes
 * a new one.
 *
 * @param source        the record this delivery came from and the partition state tracking it;
 *                      null for a one-off delivery outside the consumer loop
 * @param tier          0 when read from the events topic, else the retry tier it came through
 * @param attempts      HTTP attempts made so far
 * @param lastStatus    HTTP status of the last attempt, or null
 * @param lastError     what went wrong last, or null
 * @param skipInbox     deliver even when the inbox has a marker (operator recover)
 */
record Delivery(
        EventData event,
        String subscriptionId,
        Source source,
        int tier,
        int attempts,
        Instant firstAttemptAt,
        Instant lastAttemptAt,
        Integer lastStatus,
        String lastError,
        boolean skipInbox) {

    /** Where a delivery came from: the partition's state (identity matters) and the record offset. */
    record Source(PartitionWork work, long offset) {}

    static Delivery first(EventData event, String subscriptionId, Source source) {
        return new Delivery(event, subscriptionId, source, 0, 0, null, null, null, null, false);
    }

    /** Inbox marker key {@code <subscriptionId>:<eventId>}. */
    String key() {
        return subscriptionId + ":" + event.eventId();
    }

    /** After an HTTP attempt at {@code at} that ended with {@code status} (or null) and {@code error} (or null). */
    Delivery attempted(Instant at, Integer status, String error) {
        return new Delivery(event, subscriptionId, source, tier, attempts + 1,
                firstAttemptAt == null ? at : firstAttemptAt, at, status, error, skipInbox);
    }

    /** With a note on what went wrong, without counting an attempt (nothing was sent). */
    Delivery noted(String error) {
        return new Delivery(event, subscriptionId, source, tier, attempts, firstAttemptAt, lastAttemptAt, lastStatus,
                error, skipInbox);
    }

    /** Moved to {@code nextTier} (strict order retries in memory). */
    Delivery atTier(int nextTier) {
        return new Delivery(event, subscriptionId, source, nextTier, attempts, firstAttemptAt, lastAttemptAt,
                lastStatus, lastError, skipInbox);
    }
}
