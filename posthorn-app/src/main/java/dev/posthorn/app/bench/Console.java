package dev.posthorn.app.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What the benchmark prints while it runs: a line per phase and, while a phase runs, its counts
 * every few seconds. Lines carry the seconds since the run started.
 */
final class Console implements AutoCloseable {

    private final PrintStream out;
    private final long startNanos = System.nanoTime();
    private final Duration progressPeriod;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "bench-progress");
        thread.setDaemon(true);
        return thread;
    });

    Console(PrintStream out, Duration progressPeriod) {
        this.out = out;
        this.progressPeriod = progressPeriod;
    }

    void phase(String name) {
        line("== " + name);
    }

    void line(String text) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        out.printf(Locale.ROOT, "[%6.1fs] %s%n", seconds, text);
        out.flush();
    }

    /** Raw output without the time stamp (the table and the result line). */
    PrintStream out() {
        return out;
    }

    /** Periodic progress lines; closing stops them. */
    interface Progress extends AutoCloseable {
        @Override
        void close();
    }

    /** Prints {@code status} every progress period until the returned handle is closed. */
    Progress progress(Supplier<String> status) {
        long period = progressPeriod.toMillis();
        ScheduledFuture<?> task = ticker.scheduleAtFixedRate(() -> line("   " + status.get()),
                period, period, TimeUnit.MILLISECONDS);
        return () -> task.cancel(false);
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
