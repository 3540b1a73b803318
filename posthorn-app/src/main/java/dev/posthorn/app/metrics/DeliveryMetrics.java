package dev.posthorn.app.metrics;

import dev.posthorn.delivery.DeliveryGauges;
import dev.posthorn.delivery.DeliveryListener;
import dev.posthorn.delivery.DeliveryService;
import dev.posthorn.delivery.FailureClass;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The delivery consumer's events as Micrometer meters: delivered, failures by class, retries by
 * tier, DLQ count, inbox hits, in flight, per-endpoint latency, consumer lag. Tagged by endpoint
 * (host:port), never by subscription id, to keep cardinality bounded by what operators run.
 */
public final class DeliveryMetrics implements DeliveryListener {

    private final MeterRegistry registry;
    private final AtomicReference<DeliveryGauges> gauges = new AtomicReference<>();

    public DeliveryMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("posthorn.delivery.in.flight", () -> read(g -> g.inFlight())).register(registry);
        Gauge.builder("posthorn.delivery.queued", () -> read(g -> g.queued())).register(registry);
        Gauge.builder("posthorn.delivery.consumer.lag", () -> read(g -> g.consumerLag())).register(registry);
        Gauge.builder("posthorn.delivery.inbox.markers", () -> read(g -> g.inboxMarkers())).register(registry);
    }

    public static Observability.Health health(DeliveryService delivery) {
        DeliveryService.State state = delivery.state();
        if (state != DeliveryService.State.RUNNING) {
            return Observability.Health.down(state.name());
        }
        String problem = delivery.problem();
        return problem == null ? Observability.Health.up(state.name())
                : Observability.Health.down(state.name() + ", " + problem);
    }

    private double read(java.util.function.ToDoubleFunction<DeliveryGauges> f) {
        DeliveryGauges g = gauges.get();
        return g == null ? 0 : f.applyAsDouble(g);
    }

    @Override
    public void gauges(DeliveryGauges source) {
        gauges.set(source);
    }

    @Override
    public void responded(String endpoint, int status, Duration latency) {
        Timer.builder("posthorn.delivery.endpoint.latency").tag("endpoint", endpoint)
                .publishPercentiles(0.5, 0.99).register(registry).record(latency);
    }

    @Override
    public void delivered(String subscriptionId, String endpoint, int attempt) {
        registry.counter("posthorn.delivery.delivered", "endpoint", endpoint).increment();
    }

    @Override
    public void failed(String subscriptionId, String endpoint, FailureClass failure) {
        registry.counter("posthorn.delivery.failures", "endpoint", endpoint, "class", failure.name().toLowerCase())
                .increment();
    }

    @Override
    public void retried(String subscriptionId, int tier) {
        registry.counter("posthorn.delivery.retries", "tier", Integer.toString(tier)).increment();
    }

    @Override
    public void deadLettered(String subscriptionId, String reason) {
        registry.counter("posthorn.delivery.dead.letters").increment();
    }

    @Override
    public void disabled(String subscriptionId, String reason) {
        registry.counter("posthorn.delivery.subscriptions.disabled").increment();
    }

    @Override
    public void inboxHit(String subscriptionId) {
        registry.counter("posthorn.delivery.inbox.hits").increment();
    }
}
