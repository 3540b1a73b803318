package dev.posthorn.app.bench;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentHashMap;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Each event's scheduled time by event id, and the receipt listener that turns a first receipt
 * into a latency sample (nanoseconds, three significant digits).
 */
final class LatencyRecorder implements ReceiverEndpoint.ReceiptListener {

    private final Map<String, Long> dueNanos = new ConcurrentHashMap<>();
    private final Map<String, Long> receivedNanos = new ConcurrentHashMap<>();
    /** Wall-clock microseconds minus {@link System#nanoTime()} microseconds, to put both on one clock. */
    private final double wallMinusMonotonicMicros;
    private final Histogram latencies = new ConcurrentHistogram(3);
    /** Each received event's scheduled time and latency, to split the phase into windows at the end. */
    private final Queue<long[]> samples = new ConcurrentLinkedQueue<>();
    /** The same samples again, for what arrived since the progress line last asked (stalls show where they happen). */
    private final Recorder recent = new Recorder(3);
    private Histogram interval;

    LatencyRecorder() {
        Instant wall = Instant.now();
        long monotonic = System.nanoTime();
        wallMinusMonotonicMicros = wall.getEpochSecond() * 1e6 + wall.getNano() / 1e3 - monotonic / 1e3;
    }

    /** Call before the event's transaction commits, so that its receipt always finds it. */
    void scheduled(String eventId, long scheduledNanos) {
        dueNanos.put(eventId, scheduledNanos);
    }

    @Override
    public void firstReceipt(String eventId, long receivedNanos) {
        Long due = dueNanos.get(eventId);
        if (due != null) {
            this.receivedNanos.putIfAbsent(eventId, receivedNanos);
            long latency = Math.max(0, receivedNanos - due);
            latencies.recordValue(latency);
            recent.recordValue(latency);
            samples.add(new long[] {due, latency});
        }
    }

    /** Each event's scheduled time in wall-clock milliseconds (fractional), by event id. */
    Map<String, Double> dueWallMillis() {
        return wallMillis(dueNanos);
    }

    /** Each received event's first receipt in wall-clock milliseconds (fractional), by event id. */
    Map<String, Double> receivedWallMillis() {
        return wallMillis(receivedNanos);
    }

    private Map<String, Double> wallMillis(Map<String, Long> monotonicNanos) {
        Map<String, Double> wall = new HashMap<>();
        monotonicNanos.forEach((id, nanos) -> wall.put(id, (nanos / 1e3 + wallMinusMonotonicMicros) / 1e3));
        return wall;
    }

    /** p99 of what has been received so far, in milliseconds. */
    double p99MillisSoFar() {
        return latencies.getTotalCount() == 0 ? Double.NaN : latencies.getValueAtPercentile(99) / 1e6;
    }

    /** p99 and max of what was received since the last call, e.g. {@code "41.2/63.0"}; one caller. */
    String p99AndMaxMillisSinceLastAsked() {
        interval = recent.getIntervalHistogram(interval);
        if (interval.getTotalCount() == 0) {
            return "-";
        }
        return BenchResult.millis(interval.getValueAtPercentile(99) / 1e6) + "/" + BenchResult.millis(interval.getMaxValue() / 1e6);
    }

    /**
     * Records every event {@code endpoint} has not received by {@code cutOffNanos} at the age it
     * had reached then, and summarises.
     */
    LatencySummary summarise(ReceiverEndpoint endpoint, long cutOffNanos) {
        long unreceived = 0;
        for (Map.Entry<String, Long> entry : dueNanos.entrySet()) {
            if (!endpoint.received(entry.getKey())) {
                long age = Math.max(0, cutOffNanos - entry.getValue());
                latencies.recordValue(age);
                samples.add(new long[] {entry.getValue(), age});
                unreceived++;
            }
        }
        long firstDue = dueNanos.values().stream().mapToLong(Long::longValue).min().orElse(0);
        long lastDue = dueNanos.values().stream().mapToLong(Long::longValue).max().orElse(0);
        long window = LatencySummary.WINDOW.toNanos();
        Histogram first = new Histogram(3);
        Histogram last = new Histogram(3);
        for (long[] sample : samples) {
            if (sample[0] - firstDue < window) {
                first.recordValue(sample[1]);
            }
            if (lastDue - sample[0] < window) {
                last.recordValue(sample[1]);
            }
        }
        return LatencySummary.of(latencies, unreceived, first, last);
    }
}
