package dev.posthorn.app.cli;

import dev.posthorn.app.admin.AdminServer;
import dev.posthorn.app.config.ConfigReader;
import dev.posthorn.app.config.Settings;
import dev.posthorn.app.metrics.Observability;
import dev.posthorn.app.ops.Operations;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

@Command(name = "admin", mixinStandardHelpOptions = true,
        description = {"Run the admin HTTP API (/_webhooks/…, /health, /metrics).",
                "Requires POSTHORN_ADMIN_TOKEN unless POSTHORN_ADMIN_AUTH=off."})
public final class AdminCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(AdminCommand.class);

    @Override
    public Integer call() throws Exception {
        ConfigReader config = Environment.forService();
        String bind = config.string(Settings.ADMIN_BIND);
        int port = config.integer(Settings.ADMIN_PORT, 0, 65535);
        int metricsPort = config.integer(Settings.METRICS_PORT, 0, 65535);
        Optional<String> token = adminToken(config);
        Operations ops = Environment.operations(config);

        Observability observability = new Observability();
        Services services = new Services("admin", Duration.ofSeconds(10));
        services.add("metrics", budget -> observability.close());
        AdminServer server = AdminServer.start(bind, port, ops, token, observability);
        services.add("admin API", budget -> server.close());
        observability.check("admin", () -> Observability.Health.up("listening on " + bind + ":" + server.port()));
        observability.serve("0.0.0.0", metricsPort);
        log.info("admin API listening on http://{}:{} ({})", bind, server.port(),
                token.isPresent() ? "bearer token required" : "authentication OFF");
        return services.awaitStop(() -> false);
    }

    /** The token, or empty when authentication is explicitly off; anything else is a config error. */
    static Optional<String> adminToken(ConfigReader config) {
        String mode = config.string(Settings.ADMIN_AUTH);
        switch (mode) {
            case "off" -> {
                return Optional.empty();
            }
            case "token" -> {
                String token = config.required(Settings.ADMIN_TOKEN);
                if (!token.isEmpty() && token.length() < 16) {
                    config.problem(Settings.ADMIN_TOKEN + ": too short; use at least 16 characters"
                            + " (e.g. `openssl rand -hex 24`)");
                }
                config.validate();
                return Optional.of(token);
            }
            default -> {
                config.problem(Settings.ADMIN_AUTH + ": must be `token` or `off`, was '" + mode + "'");
                config.validate();
                return Optional.empty();
            }
        }
    }
}
