package dev.posthorn.app.cli;

import dev.posthorn.app.demo.DemoReceiver;
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
        Operations ops = Environment.operations(Environment.read());
        Services services = new Services("demo-receiver", Duration.ofSeconds(5));
        DemoReceiver receiver = DemoReceiver.start(bind, port, ops::validSecrets, Clock.systemUTC(), System.out);
        services.add("receiver", budget -> receiver.close());
        System.out.printf("demo receiver listening on http://%s:%d/ (verifies both signature schemes)%n", bind, receiver.port());
        return services.awaitStop(() -> false);
    }
}
