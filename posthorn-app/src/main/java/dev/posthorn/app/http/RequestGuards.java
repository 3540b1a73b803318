package dev.posthorn.app.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;

/**
 * Filters in front of the admin API's routes: JSON request bodies only, and, where no token protects
 * the API, requests to and from this machine only, so that a web page in the operator's browser can
 * drive it neither by a cross-site request (Origin) nor through DNS rebinding (Host).
 */
public final class RequestGuards {

    private static final Set<String> LOCAL_HOSTS = Set.of("127.0.0.1", "localhost", "::1");

    private RequestGuards() {}

    /**
     * Answers 415 to a request that carries a body (a non-zero {@code Content-Length}, or
     * {@code Transfer-Encoding}) whose {@code Content-Type} is not {@code application/json}; a form or
     * text body, which a browser may send cross-site without asking, never reaches {@code next}.
     */
    public static HttpHandler jsonBodiesOnly(HttpHandler next) {
        return exchange -> {
            if (hasBody(exchange) && !isJson(exchange.getRequestHeaders().getFirst("Content-Type"))) {
                refuse(exchange, 415, "request bodies must be Content-Type: application/json");
                return;
            }
            next.handle(exchange);
        };
    }

    /**
     * Answers 403 unless the request's {@code Host} and, when present, its {@code Origin} name this
     * machine: 127.0.0.1, localhost or [::1], any port. For an API that runs without a token.
     */
    public static HttpHandler localOnly(HttpHandler next) {
        return exchange -> {
            String host = exchange.getRequestHeaders().getFirst("Host");
            String origin = exchange.getRequestHeaders().getFirst("Origin");
            if (!isLocalAuthority(host) || (origin != null && !isLocalOrigin(origin))) {
                refuse(exchange, 403, "the admin API runs without a token, so it answers only requests to and from"
                        + " this machine (Host and Origin 127.0.0.1, localhost or [::1]): a web page cannot drive it."
                        + " Set POSTHORN_ADMIN_TOKEN to accept other requests");
                return;
            }
            next.handle(exchange);
        };
    }

    /** A {@code Host} header value ({@code host[:port]}, IPv6 in brackets) naming this machine. */
    static boolean isLocalAuthority(String authority) {
        if (authority == null || authority.isBlank()) {
            return false;
        }
        String a = authority.trim().toLowerCase(Locale.ROOT);
        String host;
        if (a.startsWith("[")) {
            int end = a.indexOf(']');
            if (end < 0 || !(end == a.length() - 1 || a.charAt(end + 1) == ':')) {
                return false;
            }
            host = a.substring(1, end);
            if (!port(a.substring(end + 1))) {
                return false;
            }
        } else {
            int colon = a.indexOf(':');
            host = colon < 0 ? a : a.substring(0, colon);
            if (colon >= 0 && !port(a.substring(colon))) {
                return false;
            }
        }
        return LOCAL_HOSTS.contains(host);
    }

    /** An {@code Origin} header value ({@code scheme://host[:port]}) naming this machine; {@code null} origins are not local. */
    static boolean isLocalOrigin(String origin) {
        try {
            URI uri = new URI(origin.trim());
            String scheme = uri.getScheme();
            if (!("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme)) || uri.getRawAuthority() == null
                    || uri.getRawUserInfo() != null) {
                return false;
            }
            String path = uri.getRawPath();
            return (path == null || path.isEmpty()) && uri.getRawQuery() == null && isLocalAuthority(uri.getRawAuthority());
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** Empty, or {@code :} followed by 1 to 5 digits. */
    private static boolean port(String suffix) {
        if (suffix.isEmpty()) {
            return true;
        }
        return suffix.length() >= 2 && suffix.length() <= 6 && suffix.charAt(0) == ':'
                && suffix.substring(1).chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static boolean hasBody(HttpExchange exchange) {
        if (exchange.getRequestHeaders().containsKey("Transfer-Encoding")) {
            return true;
        }
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        return length != null && !length.trim().equals("0");
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String mediaType = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
        return mediaType.equalsIgnoreCase("application/json");
    }

    private static void refuse(HttpExchange exchange, int status, String message) throws IOException {
        try (exchange) {
            // Drain what the client sent, so that it reads the answer rather than a reset connection.
            exchange.getRequestBody().readNBytes(1 << 20);
            JsonHttp.sendError(exchange, status, message);
        }
    }
}
