package dev.posthorn.app.cli;

import dev.posthorn.app.config.ConfigReader;
import dev.posthorn.app.config.Settings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Probes a running service's /health: the container healthcheck, without needing curl in the image. */
@Command(name = "health", mixinStandardHelpOptions = true,
        description = "Ask a running Posthorn service for its health; exit 0 when it is UP.")
public final class HealthCommand implements Callable<Integer> {

    @Option(names = "--url", description = {"health URL (default: the running `posthorn dev` stack's when no",
            "POSTHORN_* variable is set, else http://127.0.0.1:$POSTHORN_METRICS_PORT/health)"})
    String url;

    @Override
    public Integer call() throws Exception {
        String target = url;
        if (target == null) {
            target = Environment.devStack().map(dev.posthorn.app.dev.DevConnection::healthUrl)
                    .filter(u -> !u.isBlank()).orElse(null);
        }
        if (target == null) {
            ConfigReader config = Environment.read();
            int port = config.integer(Settings.METRICS_PORT, 1, 65535);
            config.validate();
            target = "http://127.0.0.1:" + port + "/health";
        }
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build()) {
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(URI.create(target)).timeout(Duration.ofSeconds(4)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            System.out.println(response.body());
            return response.statusCode() == 200 ? 0 : 1;
        } catch (java.io.IOException e) {
            System.err.println("posthorn health: " + target + " unreachable: "
                    + dev.posthorn.app.Failures.describe(e));
            return 1;
        }
    }
}
