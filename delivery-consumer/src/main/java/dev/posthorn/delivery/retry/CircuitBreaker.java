package dev.posthorn.delivery.retry;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A per-endpoint circuit breaker driven by the caller's clock. Closed: requests flow, consecutive
 * failures are counted. Open after {@code failureThreshold} consecutive failures: nothing is sent
 * until {@code openDuration} has passed. Half-open: exactly one probe is let through; its success
 * closes the breaker, its failure opens it again for another {@code openDuration}. Thread-safe.
 */
public final class CircuitBreaker {

    public enum State { CLOSED, OPEN, HALF_OPEN }

    /** What the caller may do now. */
    public enum Permit {
        /** Send the request. */
        ALLOWED,
        /** Send the request: it is the half-open probe; report its result. */
        PROBE,
        /** Do not send; the endpoint is considered down. */
        REJECTED
    }

    /** Notified of state changes, outside the breaker's lock. */
    @FunctionalInterface
    public interface Transitions {
        void changed(State from, State to, int consecutiveFailures);
    }

    private final int failureThreshold;
    private final Duration openDuration;
    private final Transitions transitions;
    private State state = State.CLOSED;
    private int consecutiveFailures;
    private Instant openedAt = Instant.EPOCH;
    private boolean probeOut;

    public CircuitBreaker(int failureThreshold, Duration openDuration, Transitions transitions) {
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("failureThreshold must be at least 1");
        }
        this.failureThreshold = failureThreshold;
        this.openDuration = Objects.requireNonNull(openDuration, "openDuration");
        this.transitions = Objects.requireNonNull(transitions, "transitions");
    }

    public Permit tryAcquire(Instant now) {
        State from;
        synchronized (this) {
            from = state;
            switch (state) {
                case CLOSED -> {
                    return Permit.ALLOWED;
                }
                case OPEN -> {
                    if (now.isBefore(openedAt.plus(openDuration))) {
                        return Permit.REJECTED;
                    }
                    state = State.HALF_OPEN;
                    probeOut = true;
                }
                case HALF_OPEN -> {
                    if (probeOut) {
                        return Permit.REJECTED;
                    }
                    probeOut = true;
                    return Permit.PROBE;
                }
            }
        }
        transitions.changed(from, State.HALF_OPEN, consecutiveFailures());
        return Permit.PROBE;
    }

    /** The endpoint answered successfully. */
    public void onSuccess() {
        State from;
        synchronized (this) {
            from = state;
            consecutiveFailures = 0;
            probeOut = false;
            state = State.CLOSED;
        }
        if (from != State.CLOSED) {
            transitions.changed(from, State.CLOSED, 0);
        }
    }

    /** The endpoint failed (error status, timeout, connection error) at {@code now}. */
    public void onFailure(Instant now) {
        State from;
        State to;
        int failures;
        synchronized (this) {
            from = state;
            failures = ++consecutiveFailures;
            probeOut = false;
            if (state == State.HALF_OPEN || (state == State.CLOSED && failures >= failureThreshold)) {
                state = State.OPEN;
                openedAt = now;
            }
            to = state;
        }
        if (from != to) {
            transitions.changed(from, to, failures);
        }
    }

    /** A permitted request ended without telling anything about the endpoint (e.g. refused locally). */
    public synchronized void onNeutral() {
        probeOut = false;
    }

    public synchronized State state() {
        return state;
    }

    private synchronized int consecutiveFailures() {
        return consecutiveFailures;
    }
}
