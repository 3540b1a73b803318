package dev.posthorn.outbox;

import java.util.OptionalInt;

/**
 * An event refused by {@link Outbox#publish} before anything was written. The message starts with the
 * field's name and says what is wrong; it never contains the payload.
 */
public final class InvalidEventException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** The offending field's name. */
    private final String field;
    /** What is wrong with it. */
    private final String problem;
    /** Index of the event in a batch, or -1 for a single event. */
    private final int eventIndex;

    InvalidEventException(String field, String problem) {
        this(field, -1, problem, null);
    }

    InvalidEventException(String field, String problem, Throwable cause) {
        this(field, -1, problem, cause);
    }

    private InvalidEventException(String field, int eventIndex, String problem, Throwable cause) {
        super((eventIndex >= 0 ? "events[" + eventIndex + "]." : "") + field + ": " + problem, cause);
        this.field = field;
        this.problem = problem;
        this.eventIndex = eventIndex;
    }

    /** The same problem, located at position {@code index} of a {@link Outbox#publishAll batch}. */
    InvalidEventException inBatchAt(int index) {
        return new InvalidEventException(field, index, problem, getCause());
    }

    /**
     * The offending field: {@code connection}, {@code topic}, {@code key}, {@code payload},
     * {@code traceparent}, {@code payloadVersion}, or {@code event} / {@code events} when the event or
     * the list itself is null.
     */
    public String field() {
        return field;
    }

    /** Position of the offending event in a batch; empty for a single {@code publish}. */
    public OptionalInt eventIndex() {
        return eventIndex >= 0 ? OptionalInt.of(eventIndex) : OptionalInt.empty();
    }
}
