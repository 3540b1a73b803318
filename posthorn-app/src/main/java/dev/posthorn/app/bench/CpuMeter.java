package dev.posthorn.app.bench;

import dev.posthorn.embedded.Postgres;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * CPU time spent on both sides of the database, read before and after a phase: this JVM (app threads,
 * relay, Kafka broker, delivery, receivers) and the Postgres server, the latter from {@code /proc}: the postmaster and its children (backends,
 * walsenders, writers, autovacuum), including children that already exited (the kernel adds their time
 * to the postmaster's {@code cutime}/{@code cstime} once reaped). Only for the embedded server on Linux:
 * for a server given by address it reads nothing and every figure is NaN.
 */
final class CpuMeter {

    /**
     * Cumulative CPU milliseconds of Postgres and of this JVM (NaN where unreadable), and of each of
     * this JVM's live threads by thread id, with its part.
     */
    record Reading(double postgresMillis, double jvmMillis, Map<Long, ThreadCpu> threads) {}

    /** One thread's cumulative CPU nanoseconds and the {@link JvmPart} its name puts it in. */
    record ThreadCpu(JvmPart part, long nanos) {}

    /**
     * A phase's CPU per event, in microseconds (the same number as milliseconds per 1,000 events), and
     * the JVM's share by part, largest first.
     */
    record PerEvent(double postgresMicros, double jvmMicros, Map<JvmPart, Double> jvmPartMicros) {
        /**
         * Prints two lines for {@code phase}: Postgres's and this JVM's CPU per event ({@code jvmParts}
         * says what ran in the JVM), then the JVM's share by part, e.g. {@code Kafka broker 169, relay 132}.
         */
        void print(Console console, String phase, String jvmParts) {
            console.line(phase + ": CPU per event " + BenchResult.millis(postgresMicros) + " µs in Postgres, "
                    + BenchResult.millis(jvmMicros) + " µs in this JVM (" + jvmParts + ")");
            console.line(jvmPartMicros.entrySet().stream()
                    .map(e -> e.getKey().label + " " + BenchResult.millis(e.getValue()))
                    .collect(Collectors.joining(", ", phase + ": JVM CPU per event by part, µs: ", "")));
        }
    }

    /**
     * Where a thread's CPU goes, judged by its name. Virtual threads run on the carrier pool, so a
     * delivery's send and a receiver's handler both count as {@link #VIRTUAL_THREADS}; the collector's
     * and compilers' threads are found in {@code /proc/self/task}; threads that ended during the phase
     * and the VM's other threads are the remainder, {@link #JVM_ITSELF}.
     */
    enum JvmPart {
        RELAY("relay"),
        BROKER("Kafka broker"),
        DELIVERY("delivery loops and clients"),
        VIRTUAL_THREADS("virtual threads (delivery sends, receiver handlers)"),
        RECEIVER("bench receivers"),
        BENCH("app threads and bench"),
        GC("garbage collector"),
        JIT("JIT compilers"),
        JVM_ITSELF("ended threads and the VM's own");

        final String label;

        JvmPart(String label) {
            this.label = label;
        }

        static JvmPart of(String threadName) {
            // Debezium's engine runs each batch (and so the relay's handler) on an unnamed pool thread;
            // nothing else in this JVM uses unnamed pools.
            if (threadName.startsWith("posthorn-relay") || threadName.startsWith("debezium-")
                    || threadName.contains("| posthorn-relay") || threadName.startsWith("pool-")) {
                return RELAY;
            }
            if (threadName.startsWith("posthorn-") || threadName.contains("delivery")
                    || threadName.startsWith("idle-connection-evictor")) {
                return DELIVERY;
            }
            if (threadName.startsWith("ForkJoinPool")) {
                return VIRTUAL_THREADS;
            }
            if (threadName.startsWith("bench-receiver")) {
                return RECEIVER;
            }
            if (threadName.startsWith("bench-") || threadName.startsWith("main")
                    || threadName.startsWith("kafka-producer-network-thread | posthorn-bench")) {
                return BENCH;
            }
            // What is left of a broker started in-process: request handlers, network threads, raft,
            // controller, coordinators, schedulers, reapers, log cleaner.
            return BROKER;
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
        return new Reading(postgresMillis(), jvmMillis(), threadCpu());
    }

    static PerEvent perEvent(Reading before, Reading after, long events) {
        double jvmMicros = perThousand(before.jvmMillis(), after.jvmMillis(), events);
        Map<JvmPart, Double> parts = new EnumMap<>(JvmPart.class);
        after.threads().forEach((id, now) -> {
            ThreadCpu then = before.threads().get(id);
            double micros = (now.nanos() - (then == null ? 0 : then.nanos())) / 1e3 / events;
            parts.merge(now.part(), micros, Double::sum);
        });
        double threadsMicros = parts.values().stream().mapToDouble(Double::doubleValue).sum();
        parts.merge(JvmPart.JVM_ITSELF, Math.max(0, jvmMicros - threadsMicros), Double::sum);
        Map<JvmPart, Double> largestFirst = new LinkedHashMap<>();
        parts.entrySet().stream().sorted(Map.Entry.<JvmPart, Double>comparingByValue().reversed())
                .forEach(e -> largestFirst.put(e.getKey(), e.getValue()));
        return new PerEvent(perThousand(before.postgresMillis(), after.postgresMillis(), events), jvmMicros,
                largestFirst);
    }

    /**
     * Live platform threads' CPU (virtual threads' time is their carriers'), keyed by Java thread id;
     * and on Linux the VM's own threads that Java does not see (collector and compilers), keyed by
     * the negative OS thread id. Empty where unsupported.
     */
    private static Map<Long, ThreadCpu> threadCpu() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!threads.isThreadCpuTimeSupported()) {
            return Map.of();
        }
        Map<Long, ThreadCpu> cpu = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            tasks.forEach(task -> {
                try {
                    String comm = Files.readString(task.resolve("comm")).strip();
                    JvmPart part = comm.startsWith("GC Thread") || comm.startsWith("G1 ") ? JvmPart.GC
                            : comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler") ? JvmPart.JIT : null;
                    String[] stat = part == null ? null : stat(task.resolve("stat"));
                    if (stat != null) {
                        long ticks = Long.parseLong(stat[11]) + Long.parseLong(stat[12]);
                        cpu.put(-Long.parseLong(task.getFileName().toString()),
                                new ThreadCpu(part, (long) (ticks * MILLIS_PER_TICK * 1e6)));
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended: its time stays in the remainder
                }
            });
        } catch (IOException e) {
            // not Linux: the collector's and compilers' time stays in the remainder
        }
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue; // ended between the two calls
            }
            long nanos = threads.getThreadCpuTime(info.getThreadId());
            if (nanos >= 0) {
                cpu.put(info.getThreadId(), new ThreadCpu(JvmPart.of(info.getThreadName()), nanos));
            }
        }
        return cpu;
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
        if (ManagementFactory.getOperatingSystemMXBean()
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
        return stat(Path.of("/proc", Long.toString(pid), "stat"));
    }

    private static String[] stat(Path file) {
        try {
            String line = Files.readString(file);
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
