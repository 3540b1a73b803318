package dev.posthorn.filter;

/** A filter that {@link EventFilter#parse} refuses; the message names the operator, path or value. */
public final class InvalidFilterException extends IllegalArgumentException {

    public InvalidFilterException(String message) {
        super(message);
    }
}
