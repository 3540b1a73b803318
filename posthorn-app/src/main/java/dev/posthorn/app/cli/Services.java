package dev.posthorn.app.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a long-running command alive until SIGTERM/Ctrl-C (or until a component fails for good),
 * then closes every component in reverse start order within one budget.
 */
final class Services {

    private static final Logger log = LoggerFactory.getLogger(Services.class);

    /** Something the command started; closed once, with what is left of the budget. */
    interface Component {
        void close(Duration budget) throws Exception;
    }

    private final String name;
    private final Duration stopBudget;
    private final List<Component> components = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean closed;

    Services(String name, Duration stopBudget) {
        this.name = name;
        this.stopBudget = stopBudget;
        Runtime.getRuntime().addShutdownHook(new Thread(this::closeAll, name + "-shutdown"));
    }

    synchronized void add(String componentName, Component closer) {
        components.add(closer);
        names.add(componentName);
    }

    /**
     * Blocks until a signal arrives (the shutdown hook closes everything) or {@code failed} turns true,
     * checked every second; returns the exit code.
     */
    int awaitStop(BooleanSupplier failed) throws InterruptedException {
        while (!stopped.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
            if (failed.getAsBoolean()) {
                log.error("{} stopped because a component failed; see the errors above", name);
                closeAll();
                return 1;
            }
        }
        return 0;
    }

    synchronized void closeAll() {
        if (closed) {
            return;
        }
        closed = true;
        long deadline = System.nanoTime() + stopBudget.toNanos();
        log.info("{} stopping (budget {} s)", name, stopBudget.toSeconds());
        for (int i = components.size() - 1; i >= 0; i--) {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            try {
                components.get(i).close(left);
            } catch (Exception e) {
                log.warn("{}: closing {} failed: {}", name, names.get(i), e.toString());
            }
        }
        log.info("{} stopped", name);
        stopped.countDown();
    }
}
