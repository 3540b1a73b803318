package dev.posthorn.delivery.operational;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells when a subscription has failed for long enough to be disabled: every attempt this instance
 * made to it failed for at least {@code period}. A success, or any change to the subscription
 * (enable, rotate: its {@code updated_at} moves), starts the clock again. In memory per instance:
 * a restart only ever delays a disable. Thread-safe.
 */
public final class SustainedFailure {

    private record Failing(Instant since, Instant subscriptionUpdatedAt) {}

    private final Duration period;
    private final Map<String, Failing> failing = new ConcurrentHashMap<>();

    public SustainedFailure(Duration period) {
        this.period = Objects.requireNonNull(period, "period");
    }

    /**
     * Notes one attempt's result.
     *
     * @param subscriptionUpdatedAt the subscription's {@code updated_at} as the attempt saw it (null: unknown)
     * @return when it started failing, if it should be disabled now (asked once), else null
     */
    public Instant attempted(String subscriptionId, Instant subscriptionUpdatedAt, boolean succeeded, Instant at) {
        if (succeeded) {
            failing.remove(subscriptionId);
            return null;
        }
        Failing now = failing.compute(subscriptionId, (id, f) -> f == null
                || !Objects.equals(f.subscriptionUpdatedAt(), subscriptionUpdatedAt)
                ? new Failing(at, subscriptionUpdatedAt) : f);
        if (Duration.between(now.since(), at).compareTo(period) >= 0 && failing.remove(subscriptionId, now)) {
            return now.since();
        }
        return null;
    }
}
