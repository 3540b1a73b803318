package dev.posthorn.app.cli;

import dev.posthorn.app.ops.Progress;
import java.io.PrintStream;

/** A one-line progress bar on stderr, redrawn at most every 100 ms. */
final class ProgressBar implements Progress {

    private static final int WIDTH = 30;
    private final PrintStream out;
    private final String label;
    private long lastDraw;

    ProgressBar(PrintStream out, String label) {
        this.out = out;
        this.label = label;
    }

    @Override
    public void update(long done, long total) {
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        int filled = total == 0 ? WIDTH : (int) (WIDTH * Math.min(done, total) / total);
        out.printf("\r%s [%s%s] %d/%d", label, "#".repeat(filled), ".".repeat(WIDTH - filled), done, total);
        if (done >= total) {
            out.println();
        }
        out.flush();
    }
}
