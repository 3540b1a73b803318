package dev.posthorn.app.cli;

import dev.posthorn.app.config.ConfigReader;
import dev.posthorn.app.config.Settings;
import dev.posthorn.app.config.Wiring;
import dev.posthorn.app.metrics.DeliveryMetrics;
import dev.posthorn.app.tracing.Tracing;
import dev.posthorn.app.metrics.Observability;
import dev.posthorn.delivery.DeliveryService;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "deliver", mixinStandardHelpOptions = true,
        description = {"Run one delivery instance: Kafka events → signed webhooks, with retry tiers, DLQ and inbox.",
                "Start more instances (same POSTHORN_DELIVERY_GROUP) to scale, up to the partition count."})
public final class DeliverCommand implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        ConfigReader config = Environment.forService();
        int metricsPort = config.integer(Settings.METRICS_PORT, 0, 65535);
        boolean endpointLabels = config.bool(Settings.METRICS_ENDPOINT_LABELS);
        Observability observability = new Observability();
        Tracing tracing = Tracing.fromEnvironment("posthorn-delivery");
        var deliveryConfig = Wiring.delivery(config, new DeliveryMetrics(observability.registry(), endpointLabels,
                tracing), Clock.systemUTC(), false);

        Services services = new Services("delivery", Duration.ofSeconds(10));
        services.add("metrics", budget -> observability.close());
        services.add("tracing", budget -> tracing.close());
        DeliveryService delivery = new DeliveryService(deliveryConfig);
        services.add("delivery", delivery::close);
        observability.check("delivery", () -> DeliveryMetrics.health(delivery));
        observability.serve("0.0.0.0", metricsPort);
        delivery.start();
        return services.awaitStop(() -> delivery.state() == DeliveryService.State.FAILED);
    }
}
