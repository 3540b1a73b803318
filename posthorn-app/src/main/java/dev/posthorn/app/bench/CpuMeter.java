package dev.posthorn.app.bench;

import dev.posthorn.embedded.Postgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * CPU time spent on both sides of the database, read before and after a phase: this JVM (app threads,
 * relay, Kafka broker, delivery, receivers) and the Postgres server, the latter from {@code /proc}: the postmaster and its children (backends,
 * walsenders, writers, autovacuum), including children that already exited (the kernel adds their time
 * to the postmaster's {@code cutime}/{@code cstime} once reaped). Only for the embedded server on Linux:
 * for a server given by address it reads nothing and every figure is NaN.
 */
final class CpuMeter {

    /** Cumulative CPU milliseconds of Postgres and of this JVM; NaN where unreadable. */
    record Reading(double postgresMillis, double jvmMillis) {}

    /** A phase's CPU per event, in microseconds (the same number as milliseconds per 1,000 events). */
    record PerEvent(double postgresMicros, double jvmMicros) {
        String describe(String jvmParts) {
            return "CPU per event " + BenchResult.millis(postgresMicros) + " µs in Postgres, "
                    + BenchResult.millis(jvmMicros) + " µs in this JVM (" + jvmParts + ")";
        }
    }

    /** Linux reports {@code /proc/<pid>/stat} times in USER_HZ, which is 100 on every architecture. */
    private static final double MILLIS_PER_TICK = 10;

    private final long postmasterPid;

    private CpuMeter(long postmasterPid) {
        this.postmasterPid = postmasterPid;
    }

    static CpuMeter of(Postgres postgres) {
        long pid = postgres.serverPid();
        return new CpuMeter(pid > 0 && Files.isDirectory(Path.of("/proc", Long.toString(pid))) ? pid : -1);
    }

    Reading read() {
        return new Reading(postgresMillis(), jvmMillis());
    }

    static PerEvent perEvent(Reading before, Reading after, long events) {
        return new PerEvent(perThousand(before.postgresMillis(), after.postgresMillis(), events),
                perThousand(before.jvmMillis(), after.jvmMillis(), events));
    }

    /** Postgres's cumulative CPU milliseconds so far, or NaN when they cannot be read. */
    private double postgresMillis() {
        if (postmasterPid <= 0) {
            return Double.NaN;
        }
        String[] postmaster = stat(postmasterPid);
        if (postmaster == null) {
            return Double.NaN;
        }
        long ticks = ticks(postmaster);
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            ticks += processes.map(p -> p.getFileName().toString())
                    .filter(name -> !name.isEmpty() && name.chars().allMatch(Character::isDigit))
                    .map(name -> stat(Long.parseLong(name)))
                    .filter(fields -> fields != null && Long.parseLong(fields[1]) == postmasterPid)
                    .mapToLong(CpuMeter::ticks)
                    .sum();
        } catch (IOException e) {
            return Double.NaN;
        }
        return ticks * MILLIS_PER_TICK;
    }

    /** CPU milliseconds this JVM has used so far, or NaN where the JVM does not say. */
    private static double jvmMillis() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            long nanos = os.getProcessCpuTime();
            return nanos < 0 ? Double.NaN : nanos / 1e6;
        }
        return Double.NaN;
    }

    private static double perThousand(double before, double after, long events) {
        return events <= 0 ? Double.NaN : (after - before) * 1000 / events;
    }

    /**
     * Fields of {@code /proc/<pid>/stat} after the command name (which may hold spaces): [0] state,
     * [1] ppid, ..., [11] utime, [12] stime, [13] cutime, [14] cstime. Null when the process is gone.
     */
    private static String[] stat(long pid) {
        try {
            String line = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return line.substring(line.lastIndexOf(')') + 2).split(" ");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Own time plus that of reaped children (a backend that exited counts in the postmaster's). */
    private static long ticks(String[] fields) {
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13])
                + Long.parseLong(fields[14]);
    }
}
