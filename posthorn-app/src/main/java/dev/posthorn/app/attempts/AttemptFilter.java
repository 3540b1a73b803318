package dev.posthorn.app.attempts;

import dev.posthorn.delivery.attempts.AttemptOutcome;
import dev.posthorn.delivery.attempts.AttemptRecord;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/** Which of a subscription's attempts an operator means: a time range and outcomes (empty = all). */
public record AttemptFilter(Optional<Instant> since, Optional<Instant> until, Set<AttemptOutcome> outcomes) {

    public AttemptFilter {
        outcomes = outcomes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(outcomes));
    }

    /** Every outcome but success: what {@code --failed} and {@code outcome=failed} mean. */
    public static final Set<AttemptOutcome> FAILED = Set.copyOf(EnumSet.of(AttemptOutcome.RETRYING,
            AttemptOutcome.DEAD_LETTERED, AttemptOutcome.GONE, AttemptOutcome.BLOCKED));

    /**
     * Parses {@code outcome=} as the API takes it: comma-separated outcome names, or {@code failed}.
     *
     * @throws IllegalArgumentException naming the parameter
     */
    public static Set<AttemptOutcome> outcomes(String text) {
        if (text == null || text.isBlank()) {
            return Set.of();
        }
        EnumSet<AttemptOutcome> out = EnumSet.noneOf(AttemptOutcome.class);
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.equals("failed")) {
                out.addAll(FAILED);
            } else {
                out.add(AttemptOutcome.parse(p));
            }
        }
        return out;
    }

    boolean matches(AttemptRecord a) {
        return (since.isEmpty() || !a.at().isBefore(since.get()))
                && (until.isEmpty() || !a.at().isAfter(until.get()))
                && (outcomes.isEmpty() || outcomes.contains(a.outcome()));
    }
}
