package dev.posthorn.app.bench;

import dev.posthorn.embedded.Postgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The application side of a phase: threads, each with its own connection, that commit events
 * numbered 0..events-1, a fixed number per transaction. Each thread claims the next sequence
 * numbers; when paced, it first waits until the first of them is due (open loop).
 */
final class CommitLoop {

    /** Writes events {@code firstSequence .. firstSequence+count-1} in the current transaction; returns their ids. */
    @FunctionalInterface
    interface Writer {
        List<UUID> write(Connection connection, long firstSequence, int count) throws SQLException;
    }

    /** When an event is due ({@link System#nanoTime()}); {@link #ASAP} for as fast as possible. */
    @FunctionalInterface
    interface Pacing {
        Pacing ASAP = sequence -> 0;

        long dueNanos(long sequence);
    }

    private final Postgres postgres;
    private final int threads;
    private final long events;
    private final int eventsPerTransaction;
    private final Pacing pacing;
    private final AtomicLong claimed = new AtomicLong();
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong firstCommitNanos = new AtomicLong();
    private final Set<UUID> committedIds = ConcurrentHashMap.newKeySet();

    CommitLoop(Postgres postgres, int threads, long events, int eventsPerTransaction, Pacing pacing) {
        this.postgres = postgres;
        this.threads = threads;
        this.events = events;
        this.eventsPerTransaction = eventsPerTransaction;
        this.pacing = pacing;
    }

    /** Commits every event; returns when all are committed, or throws the first failure. */
    void run(Writer writer) throws InterruptedException, SQLException {
        try (ExecutorService pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform().name("bench-app-", 0).factory())) {
            List<Future<Void>> workers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                workers.add(pool.submit(() -> {
                    commitClaimed(writer);
                    return null;
                }));
            }
            for (Future<Void> worker : workers) {
                awaitWorker(worker, workers);
            }
        }
    }

    private static void awaitWorker(Future<Void> worker, List<Future<Void>> all) throws InterruptedException, SQLException {
        try {
            worker.get();
        } catch (ExecutionException e) {
            all.forEach(other -> other.cancel(true));
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            throw new IllegalStateException("an application thread failed", e.getCause());
        }
    }

    private void commitClaimed(Writer writer) throws SQLException {
        try (Connection connection = postgres.connect()) {
            connection.setAutoCommit(false);
            while (!Thread.currentThread().isInterrupted()) {
                long first = claimed.getAndAdd(eventsPerTransaction);
                if (first >= events) {
                    return;
                }
                int count = (int) Math.min(eventsPerTransaction, events - first);
                waitUntilDue(first);
                List<UUID> ids;
                try {
                    ids = writer.write(connection, first, count);
                    connection.commit();
                } catch (SQLException | RuntimeException e) {
                    connection.rollback();
                    throw e;
                }
                firstCommitNanos.compareAndSet(0, System.nanoTime());
                committedIds.addAll(ids);
                committed.addAndGet(count);
            }
        }
    }

    private void waitUntilDue(long sequence) {
        if (pacing == Pacing.ASAP) {
            return;
        }
        long due = pacing.dueNanos(sequence);
        for (long wait = due - System.nanoTime(); wait > 0 && !Thread.currentThread().isInterrupted();
                wait = due - System.nanoTime()) {
            LockSupport.parkNanos(wait);
        }
    }

    long committed() {
        return committed.get();
    }

    /** Ids of the events whose transaction committed. */
    Set<UUID> committedIds() {
        return committedIds;
    }

    /** {@link System#nanoTime()} when the first transaction committed, or 0 before that. */
    long firstCommitNanos() {
        return firstCommitNanos.get();
    }
}
