package dev.posthorn.app;

import java.util.IdentityHashMap;
import java.util.Map;

/** One line that says what went wrong, for an operator: never {@code null}, causes included. */
public final class Failures {

    private Failures() {}

    /**
     * The exception's message, or its type when it has none (a refused connection often has none),
     * followed by each distinct cause's, e.g. {@code Connection refused (ConnectException)}.
     */
    public static String describe(Throwable failure) {
        StringBuilder out = new StringBuilder();
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        String previous = null;
        for (Throwable t = failure; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            String message = t.getMessage();
            String line = message == null || message.isBlank() || message.equals("null")
                    ? t.getClass().getSimpleName()
                    : message.strip() + " (" + t.getClass().getSimpleName() + ")";
            if (previous != null && previous.contains(message == null ? t.getClass().getSimpleName() : message.strip())) {
                continue; // a wrapper repeating its cause's message adds nothing
            }
            out.append(out.isEmpty() ? "" : "; caused by ").append(line);
            previous = line;
        }
        return out.toString();
    }
}
