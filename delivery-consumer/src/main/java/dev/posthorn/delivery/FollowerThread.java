package dev.posthorn.delivery;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one background thread of a component that follows a Kafka topic (subscriptions, inbox):
 * started once, stopped cooperatively by clearing {@link #running()} and joining with a bound.
 *
 * <p>A follower survives broker outages: its loop reports a failed step with {@link #failed} (which
 * backs off, up to {@link #MAX_BACKOFF}) and a good one with {@link #succeeded}; while failing,
 * {@link #problem()} says what is wrong, for health checks.
 */
public final class FollowerThread {

    private static final Logger log = LoggerFactory.getLogger(FollowerThread.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final String name;
    private volatile boolean running = true;
    private volatile String problem;
    private Duration backoff = FIRST_BACKOFF;
    private Thread thread;

    public FollowerThread(String name) {
        this.name = name;
    }

    public synchronized void start(Runnable loop) {
        if (thread != null) {
            throw new IllegalStateException(name + " already started");
        }
        thread = Thread.ofPlatform().name(name).daemon(true).start(loop);
    }

    /**
     * A step of the loop failed with a Kafka error (broker down, a request timed out): remember it,
     * log it (WARN on the first failure, DEBUG while it lasts), and wait before the next step.
     */
    public void failed(String what, RuntimeException e) {
        String text = what + ": " + e;
        if (problem == null) {
            log.warn("{} failing ({}); retrying with backoff until the broker answers", name, text);
        } else {
            log.debug("{} still failing: {}", name, text);
        }
        problem = text;
        LockSupport.parkNanos(backoff.toNanos());
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
    }

    /** A step of the loop went through: clears a reported problem. */
    public void succeeded() {
        if (problem != null) {
            log.info("{} recovered", name);
            problem = null;
            backoff = FIRST_BACKOFF;
        }
    }

    /** What keeps the follower from following, or null while it works. */
    public String problem() {
        return problem;
    }

    /** The loop keeps going while this is true. */
    public boolean running() {
        return running;
    }

    /** Asks the loop to stop and waits up to {@code join} for it. */
    public void stop(Duration join) {
        running = false;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join(join);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
