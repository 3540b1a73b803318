package dev.posthorn.app.bench;

import dev.posthorn.delivery.DeliveryGauges;
import dev.posthorn.delivery.DeliveryListener;
import dev.posthorn.delivery.FailureClass;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts what the delivery consumer reports, for the progress lines and the per-phase response times. */
final class DeliveryCounters implements DeliveryListener {

    /** Endpoint responses so far and their summed latency. */
    record Responses(long count, long latencyNanos) {
        /** Mean latency of the responses between {@code earlier} and this snapshot, in milliseconds. */
        double meanMillisSince(Responses earlier) {
            long n = count - earlier.count;
            return n == 0 ? Double.NaN : (latencyNanos - earlier.latencyNanos) / 1e6 / n;
        }
    }

    private final LongAdder delivered = new LongAdder();
    private final LongAdder failed = new LongAdder();
    /** Failed attempts by kind: a run with failures says which, so a figure is never read without them. */
    private final Map<FailureClass, LongAdder> failedBy = new ConcurrentHashMap<>();
    private final LongAdder retried = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();
    private final LongAdder responses = new LongAdder();
    private final LongAdder responseNanos = new LongAdder();
    private volatile DeliveryGauges gauges;

    @Override
    public void gauges(DeliveryGauges gauges) {
        this.gauges = gauges;
    }

    @Override
    public void responded(String endpoint, int status, Duration latency) {
        responseNanos.add(latency.toNanos());
        responses.increment();
    }

    Responses responses() {
        return new Responses(responses.sum(), responseNanos.sum());
    }

    @Override
    public void delivered(String subscriptionId, String endpoint, int attempt) {
        delivered.increment();
    }

    @Override
    public void failed(String subscriptionId, String endpoint, FailureClass failure) {
        failed.increment();
        failedBy.computeIfAbsent(failure, f -> new LongAdder()).increment();
    }

    @Override
    public void retried(String subscriptionId, int tier) {
        retried.increment();
    }

    @Override
    public void deadLettered(String subscriptionId, String reason) {
        deadLettered.increment();
    }

    /** Nothing in flight, queued or unread by the delivery consumer (false until the gauges are known). */
    boolean quiet() {
        DeliveryGauges live = gauges;
        return live != null && live.inFlight() == 0 && live.queued() == 0 && live.consumerLag() == 0;
    }

    private String failedKinds() {
        if (failedBy.isEmpty()) {
            return "";
        }
        StringJoiner kinds = new StringJoiner(" ", " (", ")");
        new TreeMap<>(failedBy).forEach((kind, n) -> kinds.add(kind.name().toLowerCase(Locale.ROOT) + " " + n.sum()));
        return kinds.toString();
    }

    /** One line: delivered, failed attempts, retries, dead letters, and the live gauges once known. */
    String summary() {
        DeliveryGauges live = gauges;
        String counts = "delivery: delivered " + delivered.sum() + ", failed " + failed.sum() + failedKinds()
                + ", retried " + retried.sum() + ", dlq " + deadLettered.sum();
        if (live == null) {
            return counts;
        }
        return counts + ", in flight " + live.inFlight() + ", queued " + live.queued() + ", lag " + live.consumerLag();
    }
}
