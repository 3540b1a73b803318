package dev.posthorn.spring;

import java.util.Optional;

/**
 * The W3C {@code traceparent} of the current trace context, if there is one; published events carry
 * it. The starter provides one that reads OpenTelemetry's current span when the OpenTelemetry API is
 * on the classpath; declare your own bean to take it from elsewhere.
 */
@FunctionalInterface
public interface TraceContextSource {

    /** No trace context: events carry no traceparent. */
    TraceContextSource NONE = Optional::empty;

    /** {@code 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>}, or empty outside a trace. */
    Optional<String> currentTraceparent();
}
