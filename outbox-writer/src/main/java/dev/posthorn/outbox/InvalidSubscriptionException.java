package dev.posthorn.outbox;

/**
 * A subscription change refused before anything was written. The message starts with the field's
 * name; it never contains a secret.
 */
public final class InvalidSubscriptionException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** The offending field's name. */
    private final String field;

    InvalidSubscriptionException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
    }

    /** The offending field: {@code topic}, {@code url}, {@code secret}, {@code id}, {@code reason} or {@code now}. */
    public String field() {
        return field;
    }
}
