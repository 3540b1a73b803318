package dev.posthorn.app.metrics;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.posthorn.app.admin.AdminServer;
import dev.posthorn.app.http.JsonHttp;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * One process's meter registry and health checks, served as {@code GET /metrics} (Prometheus text)
 * and {@code GET /health} (JSON; 200 when every check is UP, else 503).
 */
public final class Observability implements AdminServer.HealthEndpoints, AutoCloseable {

    /** A component's state: up or not, with a short human-readable detail. */
    public record Health(boolean up, String detail) {
        public static Health up(String detail) {
            return new Health(true, detail);
        }

        public static Health down(String detail) {
            return new Health(false, detail);
        }
    }

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Supplier<Health>> checks = new LinkedHashMap<>();
    private HttpServer ownServer;
    private ExecutorService ownExecutor;

    public Observability() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public synchronized Observability check(String name, Supplier<Health> check) {
        checks.put(name, check);
        return this;
    }

    public synchronized ObjectNode healthJson() {
        ObjectNode body = JsonHttp.object();
        ObjectNode components = body.putObject("components");
        boolean allUp = true;
        for (var e : checks.entrySet()) {
            Health h;
            try {
                h = e.getValue().get();
            } catch (RuntimeException ex) {
                h = Health.down(ex.getClass().getSimpleName() + ": " + ex.getMessage());
            }
            allUp &= h.up();
            components.putObject(e.getKey()).put("status", h.up() ? "UP" : "DOWN").put("detail", h.detail());
        }
        body.put("status", allUp ? "UP" : "DOWN");
        return body;
    }

    @Override
    public void register(HttpServer server) {
        server.createContext("/health", exchange -> {
            try (exchange) {
                ObjectNode body = healthJson();
                JsonHttp.send(exchange, "UP".equals(body.get("status").asText()) ? 200 : 503, body);
            }
        });
        server.createContext("/metrics", exchange -> {
            try (exchange) {
                JsonHttp.send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
                        registry.scrape().getBytes(StandardCharsets.UTF_8));
            }
        });
    }

    /** Serves /health and /metrics on a port of their own (relay and delivery services); 0 = don't. */
    public void serve(String bind, int port) throws IOException {
        if (port <= 0) {
            return;
        }
        ownServer = HttpServer.create(new InetSocketAddress(bind, port), 0);
        ownExecutor = Executors.newVirtualThreadPerTaskExecutor();
        ownServer.setExecutor(ownExecutor);
        register(ownServer);
        ownServer.start();
    }

    @Override
    public void close() {
        if (ownServer != null) {
            ownServer.stop(0);
            ownExecutor.close();
        }
        registry.close();
    }
}
