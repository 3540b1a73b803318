package dev.posthorn.outbox;

import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * What {@link Outbox#check} found: every problem at once, each with the change that fixes it.
 *
 * @param problems empty when the database is ready for the relay
 * @param warnings worth an operator's attention, but not stopping the relay: e.g. the replication slot
 *     retains more WAL than {@link Outbox.Builder#retainedWalWarningBytes}
 * @param retainedWalBytes WAL the replication slot keeps ({@code pg_current_wal_lsn() - restart_lsn}), if
 *     the slot exists
 */
public record SchemaReport(List<Problem> problems, List<Problem> warnings, OptionalLong retainedWalBytes) {

    /** Copies both lists, so that a report never changes. */
    public SchemaReport {
        problems = List.copyOf(problems);
        warnings = List.copyOf(warnings);
    }

    /**
     * One problem and what to change.
     *
     * @param problem what is wrong, e.g. {@code wal_level is 'replica'}
     * @param fix     what to do about it, e.g. {@code set wal_level = logical in postgresql.conf and restart}
     */
    public record Problem(String problem, String fix) {
        @Override
        public String toString() {
            return problem + ": " + fix;
        }
    }

    /** Whether nothing stops the relay (warnings do not count). */
    public boolean ok() {
        return problems.isEmpty();
    }

    /**
     * Returns this report when it is {@link #ok()}.
     *
     * @throws IllegalStateException listing every problem, when there is any
     */
    public SchemaReport throwIfProblems() {
        if (!ok()) {
            throw new IllegalStateException(toString());
        }
        return this;
    }

    @Override
    public String toString() {
        String warned = warnings.stream().map(w -> "\n  ! warning: " + w).collect(Collectors.joining());
        if (ok()) {
            return "Posthorn schema check: ok" + warned;
        }
        return problems.stream().map(p -> "  - " + p).collect(Collectors.joining("\n",
                "Posthorn schema check found " + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + ":\n", ""))
                + warned;
    }
}
