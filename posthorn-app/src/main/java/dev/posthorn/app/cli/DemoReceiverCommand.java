package dev.posthorn.app.cli;

import dev.posthorn.app.config.ConfigReader;
import dev.posthorn.app.config.Settings;
import dev.posthorn.app.demo.DemoReceiver;
import dev.posthorn.app.metrics.Observability;
import dev.posthorn.app.ops.Operations;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo-receiver", mixinStandardHelpOptions = true,
        description = "Run a webhook receiver that verifies both signatures and prints each event.")
public final class DemoReceiverCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "9000", description = "port to listen on (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--bind", defaultValue = "0.0.0.0", description = "address to listen on (default ${DEFAULT-VALUE})")
    String bind;

    @Override
    public Integer call() throws Exception {
        ConfigReader config = Environment.forService();
        int metricsPort = config.integer(Settings.METRICS_PORT, 0, 65535);
        Operations ops = Environment.operations(config);
        Services services = new Services("demo-receiver", Duration.ofSeconds(5));
        Observability observability = new Observability();
        services.add("metrics", budget -> observability.close());
        DemoReceiver receiver = DemoReceiver.start(bind, port, ops::validSecrets, Clock.systemUTC(), System.out);
        services.add("receiver", budget -> receiver.close());
        observability.check("receiver", () -> Observability.Health.up("verified " + receiver.verifiedCount()
                + ", rejected " + receiver.rejectedCount()));
        observability.serve("0.0.0.0", metricsPort);
        System.out.printf("demo receiver listening on http://%s:%d/ (verifies both signature schemes)%n", bind, receiver.port());
        return services.awaitStop(() -> false);
    }
}
