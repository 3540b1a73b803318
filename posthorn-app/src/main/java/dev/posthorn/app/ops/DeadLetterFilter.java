package dev.posthorn.app.ops;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** Which dead letters an operator means: one subscription or all, within a time range of dead-lettering. */
public record DeadLetterFilter(Optional<UUID> subscription, Optional<Instant> since, Optional<Instant> until) {

    public static DeadLetterFilter all() {
        return new DeadLetterFilter(Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** True when it narrows nothing: every dead letter matches. */
    public boolean isEmpty() {
        return subscription.isEmpty() && since.isEmpty() && until.isEmpty();
    }
}
