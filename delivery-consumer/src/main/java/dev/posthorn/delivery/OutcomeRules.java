package dev.posthorn.delivery;

import dev.posthorn.delivery.http.RetryAfter;
import dev.posthorn.delivery.retry.RetrySchedule;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The decisions after an attempt, as pure functions: which tier and due time a failure retries at,
 * when it is dead-lettered instead, how a {@code Retry-After} is honoured.
 */
final class OutcomeRules {

    static final String RETRIES_EXHAUSTED = "retries exhausted";
    static final String BLOCKED_DESTINATION = "blocked destination";
    static final String GONE = "endpoint answered 410 Gone";

    private OutcomeRules() {}

    /** The failure class of an HTTP status that is not 2xx. */
    static FailureClass classify(int status, boolean hasRetryAfter) {
        if (status == 410) {
            return FailureClass.GONE;
        }
        if (status == 429 || (status == 503 && hasRetryAfter)) {
            return FailureClass.RATE_LIMITED;
        }
        if (status >= 300 && status < 400) {
            return FailureClass.REDIRECT;
        }
        if (status >= 400 && status < 500) {
            return FailureClass.CLIENT_ERROR;
        }
        return FailureClass.SERVER_ERROR;
    }

    /** The outcome of an HTTP answer. */
    static DeliveryOutcome afterResponse(int status, String retryAfter, Duration latency, int currentTier,
                                         RetrySchedule schedule, Duration retryAfterMax, Instant now, double random) {
        if (status >= 200 && status < 300) {
            return new DeliveryOutcome.Delivered(status, latency);
        }
        if (status == 410) {
            return new DeliveryOutcome.Disable(GONE);
        }
        String reason = "HTTP " + status;
        if (status == 429 || status == 503) {
            Optional<Duration> wait = RetryAfter.parse(retryAfter, now);
            if (wait.isPresent()) {
                return honourRetryAfter(wait.get(), reason, currentTier, schedule, retryAfterMax, now);
            }
        }
        return retry(reason, currentTier, true, schedule, now, random);
    }

    /** Retry through the next tier, or dead-letter after the last. */
    static DeliveryOutcome retry(String reason, int currentTier, boolean attempted, RetrySchedule schedule,
                                 Instant now, double random) {
        int next = currentTier + 1;
        if (next > schedule.tierCount()) {
            return new DeliveryOutcome.DeadLetter(RETRIES_EXHAUSTED);
        }
        return new DeliveryOutcome.RetryAt(schedule.dueAt(now, next, random), next, reason, attempted);
    }

    /**
     * Parks a delivery that was not attempted (its endpoint had no room) on the next tier, or again
     * on the last one: nothing was sent, so it never counts towards dead-lettering.
     */
    static DeliveryOutcome park(String reason, int currentTier, RetrySchedule schedule, Instant now, double random) {
        int tier = Math.min(currentTier + 1, schedule.tierCount());
        return new DeliveryOutcome.RetryAt(schedule.dueAt(now, tier, random), tier, reason, false);
    }

    /**
     * Waits what the server asked, clamped to {@code retryAfterMax}, in the first tier whose delays
     * are at least that long (so the record does not hold back shorter waits behind it).
     */
    static DeliveryOutcome honourRetryAfter(Duration requested, String reason, int currentTier, RetrySchedule schedule,
                                            Duration retryAfterMax, Instant now) {
        int next = currentTier + 1;
        if (next > schedule.tierCount()) {
            return new DeliveryOutcome.DeadLetter(RETRIES_EXHAUSTED);
        }
        Duration wait = requested.compareTo(retryAfterMax) > 0 ? retryAfterMax : requested;
        int tier = schedule.tierCovering(wait, next);
        Duration longest = schedule.maxDelay(tier);
        if (wait.compareTo(longest) > 0) {
            wait = longest;
        }
        return new DeliveryOutcome.RetryAt(now.plus(wait), tier, reason + " (Retry-After " + wait.toSeconds() + "s)", true);
    }
}
