package dev.posthorn.app.cli;

import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "publish", mixinStandardHelpOptions = true,
        description = "Write one event into the outbox (in its own transaction); prints the event id.")
public final class PublishCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "event topic, e.g. invoice.created")
    String topic;

    @Parameters(index = "1", description = "payload as JSON text, e.g. '{\"id\":42}'")
    String json;

    @Option(names = "--key", description = "ordering key (aggregate id); default: a fresh key per event (no ordering between them)")
    String key;

    @Override
    public Integer call() throws Exception {
        UUID id = Environment.operations(Environment.read()).publish(topic, key, json);
        System.out.println(id);
        return 0;
    }
}
