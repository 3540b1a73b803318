package dev.posthorn.testkit;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline: the alternative to sleeping in tests. */
public final class Await {

    private static final long MAX_PAUSE_NANOS = Duration.ofMillis(50).toNanos();

    private Await() {}

    /** Polls {@code condition} until it holds; fails with {@code what} once {@code timeout} has passed. */
    public static void until(Duration timeout, String what, BooleanSupplier condition) {
        value(timeout, what, () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty());
    }

    /** Polls {@code probe} until it yields a value and returns it; fails once {@code timeout} has passed. */
    public static <T> T value(Duration timeout, String what, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = Duration.ofMillis(1).toNanos();
        RuntimeException lastFailure = null;
        while (true) {
            try {
                Optional<T> value = probe.get();
                if (value.isPresent()) {
                    return value.get();
                }
                lastFailure = null;
            } catch (RuntimeException e) {
                lastFailure = e;
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                AssertionError error = new AssertionError("timed out after " + timeout + " waiting for " + what);
                if (lastFailure != null) {
                    error.initCause(lastFailure);
                }
                throw error;
            }
            // Back off from 1 ms to 50 ms: fast for quick conditions, cheap for slow ones.
            java.util.concurrent.locks.LockSupport.parkNanos(Math.min(pause, remaining));
            pause = Math.min(pause * 2, MAX_PAUSE_NANOS);
        }
    }
}
