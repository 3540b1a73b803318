package dev.posthorn.app.metrics;

import dev.posthorn.delivery.DeliveryGauges;
import dev.posthorn.app.tracing.Tracing;
import dev.posthorn.delivery.AttemptObserver;
import dev.posthorn.delivery.AttemptStart;
import dev.posthorn.delivery.DeliveryListener;
import dev.posthorn.delivery.DeliveryService;
import dev.posthorn.delivery.FailureClass;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The delivery consumer's events as Micrometer meters: delivered, failures by class, retries by
 * tier, DLQ count, inbox hits, in flight, latency, consumer lag. Never tagged by subscription id. Only
 * when asked ({@code POSTHORN_METRICS_ENDPOINT_LABELS=true}) are delivered, failures and latency tagged
 * by endpoint (the subscriber's host:port): /metrics is often open to more people than the
 * subscriptions are.
 */
public final class DeliveryMetrics implements DeliveryListener {

    private final MeterRegistry registry;
    private final boolean endpointLabels;
    private final AtomicReference<DeliveryGauges> gauges = new AtomicReference<>();

    private final Tracing tracing;

    /** @param endpointLabels tag delivered, failures and latency with the endpoint (host:port) */
    public DeliveryMetrics(MeterRegistry registry, boolean endpointLabels) {
        this(registry, endpointLabels, Tracing.OFF);
    }

    /** Also spans for each attempt, when {@code tracing} is on; the subscriber then receives the attempt span's traceparent. */
    public DeliveryMetrics(MeterRegistry registry, boolean endpointLabels, Tracing tracing) {
        this.tracing = tracing;
        this.registry = registry;
        this.endpointLabels = endpointLabels;
        Gauge.builder("posthorn.delivery.in.flight", () -> read(g -> g.inFlight())).register(registry);
        Gauge.builder("posthorn.delivery.queued", () -> read(g -> g.queued())).register(registry);
        Gauge.builder("posthorn.delivery.consumer.lag", () -> read(g -> g.consumerLag())).register(registry);
        Gauge.builder("posthorn.delivery.inbox.markers", () -> read(g -> g.inboxMarkers())).register(registry);
        Gauge.builder("posthorn.delivery.partitions.waiting.subscriptions", () -> read(g -> g.waitingForSubscriptions()))
                .register(registry);
    }

    @Override
    public AttemptObserver attemptStarting(AttemptStart attempt) {
        return tracing.attemptStarting(attempt);
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
        Timer.builder("posthorn.delivery.endpoint.latency").tags(endpoint(endpoint))
                .publishPercentiles(0.5, 0.99).register(registry).record(latency);
    }

    @Override
    public void delivered(String subscriptionId, String endpoint, int attempt) {
        registry.counter("posthorn.delivery.delivered", endpoint(endpoint)).increment();
    }

    @Override
    public void failed(String subscriptionId, String endpoint, FailureClass failure) {
        registry.counter("posthorn.delivery.failures",
                endpoint(endpoint).and("class", failure.name().toLowerCase(java.util.Locale.ROOT))).increment();
    }

    private Tags endpoint(String endpoint) {
        return endpointLabels ? Tags.of("endpoint", endpoint) : Tags.empty();
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

    /** Attempts by outcome (never by subscription: see the class comment). */
    @Override
    public void attempted(String subscriptionId, dev.posthorn.delivery.attempts.AttemptOutcome outcome) {
        registry.counter("posthorn.delivery.attempts", "outcome", outcome.wire()).increment();
    }

    @Override
    public void filtered(String subscriptionId) {
        registry.counter("posthorn.delivery.filtered").increment();
    }

    @Override
    public void inboxHit(String subscriptionId) {
        registry.counter("posthorn.delivery.inbox.hits").increment();
    }
}
