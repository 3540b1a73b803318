package dev.posthorn.delivery;

import java.time.Duration;

/**
 * The one background thread of a component that follows a Kafka topic (subscriptions, inbox):
 * started once, stopped cooperatively by clearing {@link #running()} and joining with a bound.
 */
public final class FollowerThread {

    private final String name;
    private volatile boolean running = true;
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
