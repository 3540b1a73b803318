package dev.posthorn.app.ops;

/** Reports how far a long operator command got: {@code done} of {@code total} records looked at. */
@FunctionalInterface
public interface Progress {
    void update(long done, long total);
}
