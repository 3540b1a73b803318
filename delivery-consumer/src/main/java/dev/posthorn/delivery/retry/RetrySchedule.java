package dev.posthorn.delivery.retry;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The delay tiers between attempts, with jitter. Tier {@code k} (1-based) is the wait before the
 * retry that goes through topic {@code <prefix>.retry.<k>}; after the last tier comes the DLQ.
 *
 * <p>{@link #delay} is a pure function of the tier and a random number, so tests pin the random
 * number instead of sleeping: {@code base × (1 + jitter × (2r − 1))} for {@code r} in [0, 1).
 */
public record RetrySchedule(List<Duration> tiers, double jitter) {

    /** 5 s, 30 s, 2 min, 10 min, 1 h, 6 h. */
    public static final List<Duration> DEFAULT_TIERS = List.of(
            Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(2),
            Duration.ofMinutes(10), Duration.ofHours(1), Duration.ofHours(6));
    /** ±20 %. */
    public static final double DEFAULT_JITTER = 0.20;

    public RetrySchedule {
        tiers = List.copyOf(tiers);
        if (tiers.isEmpty()) {
            throw new IllegalArgumentException("at least one retry tier is required");
        }
        for (Duration tier : tiers) {
            if (tier.isNegative() || tier.isZero()) {
                throw new IllegalArgumentException("retry tiers must be positive, got " + tier);
            }
        }
        if (!(jitter >= 0 && jitter < 1)) {
            throw new IllegalArgumentException("jitter must be in [0, 1), got " + jitter);
        }
    }

    public int tierCount() {
        return tiers.size();
    }

    /** The nominal delay of {@code tier} (1-based). */
    public Duration base(int tier) {
        return tiers.get(checkTier(tier) - 1);
    }

    /** The jittered delay of {@code tier} for the random number {@code random} in [0, 1). */
    public Duration delay(int tier, double random) {
        if (!(random >= 0 && random < 1)) {
            throw new IllegalArgumentException("random must be in [0, 1), got " + random);
        }
        double factor = 1 + jitter * (2 * random - 1);
        long nanos = Math.round(base(tier).toNanos() * factor);
        return Duration.ofNanos(Math.max(nanos, 0));
    }

    /** The longest delay {@code tier} can produce. */
    public Duration maxDelay(int tier) {
        return Duration.ofNanos(Math.round(base(tier).toNanos() * (1 + jitter)));
    }

    /** When a retry through {@code tier} is due, failing at {@code now}. */
    public Instant dueAt(Instant now, int tier, double random) {
        return now.plus(delay(tier, random));
    }

    /**
     * The first tier at or after {@code fromTier} whose longest delay covers {@code wait} (so that
     * a server-requested wait does not hold back that tier's other records), or the last tier.
     */
    public int tierCovering(Duration wait, int fromTier) {
        for (int tier = checkTier(fromTier); tier <= tierCount(); tier++) {
            if (maxDelay(tier).compareTo(wait) >= 0) {
                return tier;
            }
        }
        return tierCount();
    }

    private int checkTier(int tier) {
        if (tier < 1 || tier > tiers.size()) {
            throw new IllegalArgumentException("tier " + tier + " outside 1.." + tiers.size());
        }
        return tier;
    }

    @Override
    public String toString() {
        return "RetrySchedule" + tiers + " ±" + Math.round(jitter * 100) + "%";
    }
}
