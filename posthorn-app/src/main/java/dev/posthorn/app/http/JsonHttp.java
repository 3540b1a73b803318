package dev.posthorn.app.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import dev.posthorn.app.config.DidYouMean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** JSON in and out of a {@link HttpExchange}; small on purpose. */
public final class JsonHttp {

    public static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int MAX_REQUEST_BYTES = 1 << 20;

    private JsonHttp() {}

    /** A failure answered with {@code {"ok":false,"error":message}} and the given status. */
    public static final class HttpError extends RuntimeException {
        private final int status;

        public HttpError(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static ObjectNode ok() {
        return object().put("ok", true);
    }

    /** The request body as a JSON object; an empty body is an empty object. */
    public static JsonNode body(HttpExchange exchange) {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(MAX_REQUEST_BYTES + 1);
            if (bytes.length > MAX_REQUEST_BYTES) {
                throw new HttpError(413, "request body over 1 MiB");
            }
            if (bytes.length == 0) {
                return object();
            }
            JsonNode node = MAPPER.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new HttpError(400, "request body must be a JSON object");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new HttpError(400, "request body is not valid JSON");
        } catch (IOException e) {
            throw new HttpError(400, "cannot read the request body");
        }
    }

    /**
     * The request body as a JSON object whose fields are all in {@code known}: a misspelt option must not
     * be ignored silently. Refused with 400 naming every unknown field, with the closest known one.
     */
    public static JsonNode body(HttpExchange exchange, Set<String> known) {
        return knownFieldsOnly(body(exchange), known);
    }

    /** {@code body}, already read, checked as {@link #body(HttpExchange, Set)} does. */
    public static JsonNode knownFieldsOnly(JsonNode body, Set<String> known) {
        List<String> problems = new ArrayList<>();
        body.fieldNames().forEachRemaining(name -> {
            if (!known.contains(name)) {
                problems.add(name + ": unknown field" + DidYouMean.closest(name, known, Math.max(2, name.length() / 3))
                        .map(s -> "; did you mean " + s + "?").orElse(""));
            }
        });
        if (!problems.isEmpty()) {
            throw new HttpError(400, String.join("; ", problems) + (known.isEmpty() ? " (this request takes no fields)"
                    : " (known fields: " + String.join(", ", new TreeSet<>(known)) + ")"));
        }
        return body;
    }

    public static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> out = new LinkedHashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            out.put(URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return out;
    }

    public static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
        send(exchange, status, "application/json", MAPPER.writeValueAsBytes(body));
    }

    public static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    public static void sendError(HttpExchange exchange, int status, String message) throws IOException {
        send(exchange, status, object().put("ok", false).put("error", message));
    }
}
