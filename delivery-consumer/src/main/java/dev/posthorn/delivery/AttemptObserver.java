package dev.posthorn.delivery;

import java.util.Optional;

/**
 * Hears how one HTTP attempt ended (a tracing span hangs off this). Exactly one of {@link #responded}
 * and {@link #failed} is called, once.
 */
public interface AttemptObserver {

    /** Observes nothing and leaves the request's traceparent as the event's. */
    AttemptObserver NONE = new AttemptObserver() {};

    /** The traceparent to send on this attempt instead of the event's (the attempt span's), if any. */
    default Optional<String> traceparent() {
        return Optional.empty();
    }

    /** The subscriber answered with {@code status}. */
    default void responded(int status) {}

    /** No answer: the connection failed, timed out, was refused by the SSRF guard, or was abandoned. */
    default void failed(Throwable error) {}
}
