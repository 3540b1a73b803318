package dev.posthorn.app.cli;

import dev.posthorn.app.config.ConfigReader;
import dev.posthorn.app.config.Settings;
import dev.posthorn.app.config.Wiring;
import dev.posthorn.app.metrics.Observability;
import dev.posthorn.app.metrics.RelayMetrics;
import dev.posthorn.app.tracing.Tracing;
import dev.posthorn.relay.RelayService;
import dev.posthorn.relay.RelayState;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "relay", mixinStandardHelpOptions = true,
        description = {"Run the relay: outbox rows from the Postgres WAL (Debezium) to Kafka.",
                "Configured by the environment (see `posthorn config`). A second relay on the same",
                "database waits as a standby and takes over when the active one dies."})
public final class RelayCommand implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        ConfigReader config = Environment.forService();
        int metricsPort = config.integer(Settings.METRICS_PORT, 0, 65535);
        Observability observability = new Observability();
        Tracing tracing = Tracing.fromEnvironment("posthorn-relay");
        var relayConfig = Wiring.relay(config, new RelayMetrics(observability.registry(), tracing), Clock.systemUTC());

        Services services = new Services("relay", Duration.ofSeconds(10));
        services.add("metrics", budget -> observability.close());
        services.add("tracing", budget -> tracing.close());
        RelayService relay = new RelayService(relayConfig);
        services.add("relay", relay::close);
        RelayMetrics.bindGauges(observability.registry(), () -> relay);
        observability.check("relay", () -> RelayMetrics.health(relay));
        observability.serve("0.0.0.0", metricsPort);
        relay.start();
        return services.awaitStop(() -> relay.state() == RelayState.FAILED);
    }
}
