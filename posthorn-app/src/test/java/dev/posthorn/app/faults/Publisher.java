package dev.posthorn.app.faults;

import dev.posthorn.outbox.Outbox;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The application of a fault test: one thread publishing one event per transaction through the outbox
 * writer, at a steady pace, whatever happens to the database. An id counts as committed only when
 * {@code commit()} returned; a transaction whose commit failed is in doubt (it may or may not have
 * committed) and is kept apart. On an error it reconnects and carries on.
 */
final class Publisher implements AutoCloseable {

    interface ConnectionSource {
        Connection open() throws SQLException;
    }

    private final ConnectionSource connections;
    private final Outbox outbox;
    private final String topic;
    private final long pauseNanos;
    private final Set<String> committed = ConcurrentHashMap.newKeySet();
    private final Set<String> inDoubt = ConcurrentHashMap.newKeySet();
    private final AtomicLong failures = new AtomicLong();
    private volatile boolean running = true;
    private final Thread thread;

    /** Publishes about {@code perSecond} events a second (one per transaction) on {@code topic}. */
    Publisher(ConnectionSource connections, Outbox outbox, String topic, int perSecond) {
        this.connections = connections;
        this.outbox = outbox;
        this.topic = topic;
        this.pauseNanos = TimeUnit.SECONDS.toNanos(1) / perSecond;
        this.thread = Thread.ofPlatform().name("fault-publisher").daemon().start(this::run);
    }

    private void run() {
        Connection connection = null;
        long n = 0;
        long next = System.nanoTime();
        while (running) {
            LockSupport.parkNanos(next - System.nanoTime()); // pacing, not waiting for a condition
            next = Math.max(next + pauseNanos, System.nanoTime() - pauseNanos);
            String id = null;
            boolean committing = false;
            try {
                if (connection == null) {
                    connection = connections.open();
                    connection.setAutoCommit(false);
                }
                id = outbox.publish(connection, topic, "key-" + (n % 64), "{\"n\":" + n + "}").toString();
                committing = true;
                connection.commit();
                committed.add(id);
                n++;
            } catch (SQLException | RuntimeException e) {
                failures.incrementAndGet();
                if (committing) {
                    inDoubt.add(id);
                }
                closeQuietly(connection);
                connection = null;
                next = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100); // back off while the database is away
            }
        }
        closeQuietly(connection);
    }

    private static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // the connection is gone anyway
            }
        }
    }

    /** Ids whose transaction's commit returned. */
    Set<String> committed() {
        return committed;
    }

    /** Ids whose commit threw: they may or may not have committed. */
    Set<String> inDoubt() {
        return inDoubt;
    }

    long failures() {
        return failures.get();
    }

    /** Stops publishing; returns once the last transaction has finished. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        if (!thread.join(Duration.ofSeconds(30))) {
            throw new IllegalStateException("the publisher did not stop within 30 s");
        }
    }
}
