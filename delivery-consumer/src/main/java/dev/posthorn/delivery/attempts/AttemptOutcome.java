package dev.posthorn.delivery.attempts;

import java.util.Locale;

/** What one attempt ended in, as the delivery log writes it ({@link #wire()}). */
public enum AttemptOutcome {
    /** 2xx and the inbox marker acknowledged. */
    DELIVERED,
    /** Failed; the delivery went to a retry tier. */
    RETRYING,
    /** Failed for good (retries exhausted, unusable subscription); the delivery is in the DLQ. */
    DEAD_LETTERED,
    /** The endpoint answered 410: the subscription was disabled and the delivery dead-lettered. */
    GONE,
    /** The destination is not allowed (SSRF guard); the delivery is in the DLQ. */
    BLOCKED,
    /** The subscription's filter left this event out: nothing was sent. */
    FILTERED;

    /** The lower-case name used in records, the API and the CLI ({@code dead_lettered}). */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the delivery's chain of attempts ends here. */
    public boolean terminal() {
        return this != RETRYING;
    }

    /** Whether the attempt reached its endpoint with success (or needed none). */
    public boolean succeeded() {
        return this == DELIVERED || this == FILTERED;
    }

    /**
     * Parses {@link #wire()}.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static AttemptOutcome parse(String text) {
        for (AttemptOutcome o : values()) {
            if (o.wire().equals(text)) {
                return o;
            }
        }
        throw new IllegalArgumentException("outcome: expected one of delivered, retrying, dead_lettered, gone, blocked,"
                + " filtered (got " + text + ")");
    }
}
