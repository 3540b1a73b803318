package dev.posthorn.app.metrics;

import dev.posthorn.app.tracing.Tracing;
import dev.posthorn.relay.RelayListener;
import dev.posthorn.relay.RelayedEvent;
import dev.posthorn.relay.RelayService;
import dev.posthorn.relay.RelayState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.function.Supplier;

/** The relay's events as Micrometer meters: events relayed, batch size, slot lag, newest event age. */
public final class RelayMetrics implements RelayListener {

    private final Counter events;
    private final Counter subscriptionChanges;
    private final Counter malformed;
    private final DistributionSummary batchSize;

    private final Tracing tracing;

    public RelayMetrics(MeterRegistry registry) {
        this(registry, Tracing.OFF);
    }

    /** Also a PRODUCER span per relayed event, when {@code tracing} is on. */
    public RelayMetrics(MeterRegistry registry, Tracing tracing) {
        this.tracing = tracing;
        events = Counter.builder("posthorn.relay.events").description("outbox events relayed to Kafka").register(registry);
        subscriptionChanges = Counter.builder("posthorn.relay.subscription.changes").register(registry);
        malformed = Counter.builder("posthorn.relay.malformed.rows").register(registry);
        batchSize = DistributionSummary.builder("posthorn.relay.batch.size").register(registry);
    }

    @Override
    public void eventRelayed(RelayedEvent event) {
        tracing.eventRelayed(event);
    }

    @Override
    public boolean observesEvents() {
        return tracing.enabled();
    }

    /** Gauges read from the running relay (its own snapshot), registered once it exists. */
    public static void bindGauges(MeterRegistry registry, Supplier<RelayService> relay) {
        Gauge.builder("posthorn.relay.slot.lag", () -> relay.get().stats().slotLagBytes())
                .baseUnit("bytes").description("WAL not yet confirmed by the relay").register(registry);
        Gauge.builder("posthorn.relay.slot.retained", () -> relay.get().stats().slotRetainedWalBytes())
                .baseUnit("bytes").description("WAL Postgres keeps for the slot (restart_lsn): what fills the disk")
                .register(registry);
        Gauge.builder("posthorn.relay.newest.event.age",
                        () -> relay.get().stats().newestEventAge().map(Duration::toMillis).orElse(0L) / 1000.0)
                .baseUnit("seconds").register(registry);
        Gauge.builder("posthorn.relay.streaming", () -> relay.get().state() == RelayState.STREAMING ? 1 : 0)
                .register(registry);
    }

    /**
     * Up while streaming, or while waiting as a standby (a standby is healthy: it is ready to take over).
     * The detail names the WAL the slot retains, with a warning past the configured threshold (still up:
     * restarting a relay that is behind would not help it catch up).
     */
    public static Observability.Health health(RelayService relay) {
        RelayState state = relay.state();
        String detail = state.name();
        long retained = relay.stats().slotRetainedWalBytes();
        if (retained >= 0) {
            detail += "; slot " + relay.config().slotName() + " retains " + retained + " bytes of WAL";
            long threshold = relay.config().retainedWalWarningBytes();
            if (retained > threshold) {
                detail += " (WARNING: over the threshold of " + threshold + " bytes; WAL is kept until the relay"
                        + " confirms it, and a slot nobody reads fills the disk)";
            }
        }
        return state == RelayState.STREAMING || state == RelayState.STANDBY
                ? Observability.Health.up(detail)
                : Observability.Health.down(detail);
    }

    @Override
    public void batchRelayed(int size, int eventsRelayed, int changes, java.time.Instant newestEventCreatedAt) {
        batchSize.record(size);
        events.increment(eventsRelayed);
        subscriptionChanges.increment(changes);
    }

    @Override
    public void malformedRow(String eventId, String reason) {
        malformed.increment();
    }
}
