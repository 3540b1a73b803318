package dev.posthorn.app.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/** Requires {@code Authorization: Bearer <token>} when a token is configured; compares in constant time. */
public final class BearerAuth implements HttpHandler {

    private final HttpHandler next;
    private final Optional<byte[]> token;

    private BearerAuth(HttpHandler next, Optional<String> token) {
        this.next = next;
        this.token = token.map(t -> t.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code token} empty means authentication was turned off explicitly (or dev mode). */
    public static HttpHandler wrap(HttpHandler next, Optional<String> token) {
        return new BearerAuth(next, token);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        if (token.isPresent()) {
            String header = exchange.getRequestHeaders().getFirst("Authorization");
            byte[] given = header != null && header.startsWith("Bearer ")
                    ? header.substring(7).trim().getBytes(StandardCharsets.UTF_8)
                    : new byte[0];
            if (!MessageDigest.isEqual(given, token.get())) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
                try (exchange) {
                    JsonHttp.sendError(exchange, 401, "missing or wrong bearer token");
                }
                return;
            }
        }
        next.handle(exchange);
    }
}
