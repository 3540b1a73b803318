package dev.posthorn.app.cli;

import dev.posthorn.app.dev.DevStack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "dev", mixinStandardHelpOptions = true,
        description = {"Run the whole pipeline on this machine: embedded Postgres and Kafka (data kept in",
                ".posthorn/dev), relay, delivery, the admin API and a demo receiver that verifies signatures."})
public final class DevCommand implements Callable<Integer> {

    @Option(names = "--admin-port", defaultValue = "8080", description = "admin API port (default ${DEFAULT-VALUE})")
    int adminPort;

    @Option(names = "--receiver-port", defaultValue = "9000", description = "demo receiver port (default ${DEFAULT-VALUE})")
    int receiverPort;

    @Option(names = "--kafka-port", defaultValue = "19092", description = "Kafka port (default ${DEFAULT-VALUE})")
    int kafkaPort;

    @Option(names = "--postgres-port", defaultValue = "54329", description = "Postgres port (default ${DEFAULT-VALUE})")
    int postgresPort;

    @Option(names = "--home", defaultValue = ".posthorn/dev", description = "where data is kept (default ${DEFAULT-VALUE})")
    Path home;

    @Option(names = "--fresh", description = "delete the data kept from earlier runs first")
    boolean fresh;

    @Override
    public Integer call() throws Exception {
        if (fresh) {
            deleteRecursively(home);
        }
        quietLogsUnlessAsked();
        System.out.println("Posthorn dev: starting the whole pipeline (Ctrl-C stops it)");
        Services services = new Services("posthorn dev", Duration.ofSeconds(20));
        DevStack stack = DevStack.start(new DevStack.Options(home, adminPort, receiverPort, kafkaPort, postgresPort,
                true, Environment.forService().values()), System.out);
        services.add("dev stack", budget -> stack.close());
        int admin = stack.adminPort();
        int receiver = stack.receiver().port();
        System.out.printf("""

                Posthorn is running.
                  admin API      http://127.0.0.1:%1$d   (no authentication in dev)
                  demo receiver  http://127.0.0.1:%2$d/webhooks   (verifies both signatures, prints each event)
                  Kafka          %3$s   (e.g. kcat -b %3$s -C -t posthorn.events)
                  Postgres       %4$s   user %5$s, password postgres
                  health         curl -s http://127.0.0.1:%1$d/health

                Try it:
                  curl -s -X POST http://127.0.0.1:%1$d/_webhooks/subscriptions -H 'Content-Type: application/json' \\
                       -d '{"topic":"invoice.*","url":"http://127.0.0.1:%2$d/webhooks"}'
                  curl -s -X POST http://127.0.0.1:%1$d/_webhooks/test-fire -H 'Content-Type: application/json' \\
                       -d '{"topic":"invoice.created","payload":{"invoice":"inv_1","amount_cents":4200}}'

                The CLI talks to this stack by itself while it runs (it reads %6$s when no
                POSTHORN_* variable is set), e.g. ./posthorn subscriptions list, ./posthorn dlq list, ./posthorn health
                For other tools, or a CLI started elsewhere:
                %7$s

                Webhooks arriving at the demo receiver are printed below.
                """, admin, receiver, stack.kafkaBootstrap(), stack.jdbcUrl(), stack.postgresUser(),
                dev.posthorn.app.dev.DevConnection.file(home),
                stack.connection().exportBlock(home.toAbsolutePath().resolve("secret.key")).indent(2).stripTrailing());
        return services.awaitStop(() -> false);
    }

    /**
     * In dev the progress lines and the receiver's output are the interface; service logs at INFO
     * would bury them. POSTHORN_LOG_LEVEL still turns them back on.
     */
    private static void quietLogsUnlessAsked() {
        if (Environment.forService().optional(dev.posthorn.app.config.Settings.LOG_LEVEL).filter(v -> !v.equals("INFO"))
                .isPresent()) {
            return;
        }
        setLevel("dev.posthorn", ch.qos.logback.classic.Level.WARN);
        setLevel("org.apache.kafka", ch.qos.logback.classic.Level.ERROR);
        setLevel("kafka", ch.qos.logback.classic.Level.ERROR);
    }

    private static void setLevel(String logger, ch.qos.logback.classic.Level level) {
        if (org.slf4j.LoggerFactory.getLogger(logger) instanceof ch.qos.logback.classic.Logger l) {
            l.setLevel(level);
        }
    }

    private static void deleteRecursively(Path root) throws java.io.IOException {
        if (!java.nio.file.Files.exists(root)) {
            return;
        }
        try (var paths = java.nio.file.Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(p);
            }
        }
    }
}
