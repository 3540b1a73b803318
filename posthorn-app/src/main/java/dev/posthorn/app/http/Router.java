package dev.posthorn.app.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes by method and path template ({@code /_webhooks/subscriptions/{id}}), turns
 * {@link JsonHttp.HttpError} into JSON error answers and anything unexpected into a 500 that names
 * no internals.
 */
public final class Router implements HttpHandler {

    private static final Logger log = LoggerFactory.getLogger(Router.class);

    /** Handles one matched request; {@code params} holds the template's path variables in order. */
    @FunctionalInterface
    public interface Route {
        void handle(HttpExchange exchange, List<String> params) throws Exception;
    }

    private record Entry(String method, Pattern path, Route route) {}

    private final List<Entry> entries = new ArrayList<>();

    public Router on(String method, String template, Route route) {
        String regex = template.replaceAll("\\{[a-z]+}", "([^/]+)");
        entries.add(new Entry(method, Pattern.compile(regex), route));
        return this;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            boolean pathMatched = false;
            for (Entry entry : entries) {
                Matcher m = entry.path.matcher(path);
                if (!m.matches()) {
                    continue;
                }
                pathMatched = true;
                if (!entry.method.equals(exchange.getRequestMethod())) {
                    continue;
                }
                List<String> params = new ArrayList<>();
                for (int i = 1; i <= m.groupCount(); i++) {
                    params.add(m.group(i));
                }
                dispatch(exchange, entry.route, params);
                return;
            }
            JsonHttp.sendError(exchange, pathMatched ? 405 : 404,
                    pathMatched ? "method not allowed" : "no such endpoint: " + path);
        }
    }

    private static void dispatch(HttpExchange exchange, Route route, List<String> params) throws IOException {
        try {
            route.handle(exchange, params);
        } catch (JsonHttp.HttpError e) {
            JsonHttp.sendError(exchange, e.status(), e.getMessage());
        } catch (IllegalArgumentException e) {
            // Validation failures of the libraries name the field and never carry a secret.
            JsonHttp.sendError(exchange, 400, e.getMessage());
        } catch (java.sql.SQLException e) {
            log.error("{} {} failed in the database", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e);
            JsonHttp.sendError(exchange, 503, "database error; see the server log");
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            log.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e);
            JsonHttp.sendError(exchange, 500, "internal error; see the server log");
        }
    }
}
