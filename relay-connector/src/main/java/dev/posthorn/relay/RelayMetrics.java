package dev.posthorn.relay;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** The relay's counters, fed by the stream and read by {@link RelayService#stats()}; forwards to the listener. */
final class RelayMetrics {

    private final RelayListener listener;
    private final Clock clock;
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong subscriptionChanges = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong lastBatchSize = new AtomicLong();
    private final AtomicLong slotLag = new AtomicLong(-1);
    private final AtomicLong slotRetained = new AtomicLong(-1);
    private final AtomicReference<Instant> newestEvent = new AtomicReference<>();

    private final boolean observesEvents;

    RelayMetrics(RelayListener listener, Clock clock) {
        this.listener = listener;
        this.clock = clock;
        this.observesEvents = listener.observesEvents();
    }

    /** Whether the listener wants {@link #eventRelayed} (tracing); otherwise no per-event work is done. */
    boolean observesEvents() {
        return observesEvents;
    }

    void batch(int size, int eventCount, int subscriptionCount, Instant newestCreatedAt) {
        lastBatchSize.set(size);
        events.addAndGet(eventCount);
        subscriptionChanges.addAndGet(subscriptionCount);
        if (newestCreatedAt != null) {
            newestEvent.accumulateAndGet(newestCreatedAt, (a, b) -> a == null || b.isAfter(a) ? b : a);
        }
        listener.batchRelayed(size, eventCount, subscriptionCount, newestCreatedAt);
    }

    Instant now() {
        return clock.instant();
    }

    void eventRelayed(RelayedEvent event) {
        listener.eventRelayed(event);
    }

    void malformed(String eventId, String reason) {
        malformed.incrementAndGet();
        listener.malformedRow(eventId, reason);
    }

    void slotLag(long bytes) {
        slotLag.set(bytes);
        listener.slotLag(bytes);
    }

    void slotRetainedWal(long bytes) {
        slotRetained.set(bytes);
        listener.slotRetainedWal(bytes);
    }

    RelayStats snapshot(RelayState state) {
        Instant newest = newestEvent.get();
        return new RelayStats(state, events.get(), subscriptionChanges.get(), malformed.get(), (int) lastBatchSize.get(),
                slotLag.get(), slotRetained.get(), Optional.ofNullable(newest).map(n -> Duration.between(n, clock.instant())));
    }
}
