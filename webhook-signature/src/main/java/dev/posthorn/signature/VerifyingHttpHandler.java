package dev.posthorn.signature;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.posthorn.signature.VerificationResult.Rejected;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;

/**
 * Wraps a handler of the JDK's built-in {@code com.sun.net.httpserver} so that it only ever sees
 * verified webhook requests.
 *
 * <p>The raw body is read (at most {@code maxBodyBytes}, else 413) and verified. A rejected request
 * is answered here: 401 {@code {"detail":"missing signature"}}, 400
 * {@code {"detail":"invalid JSON body"}} (reference scheme only) or 401
 * {@code {"detail":"invalid signature"}} (also for a timestamp outside the tolerance), and the
 * reason is logged through {@link System.Logger} at INFO. A verified request goes to the delegate
 * with the body readable again from {@link HttpExchange#getRequestBody()} and available as
 * {@link #verifiedBody(HttpExchange)}.
 */
public final class VerifyingHttpHandler implements HttpHandler {

    /** Exchange attribute holding the verified raw body as {@code byte[]}. */
    public static final String BODY_ATTRIBUTE = HttpVerification.BODY_ATTRIBUTE;

    private static final System.Logger LOG = System.getLogger(VerifyingHttpHandler.class.getName());

    private final WebhookVerifier verifier;
    private final HttpHandler delegate;
    private final int maxBodyBytes;

    /** Verifies with {@code verifier}, accepting bodies up to 1 MiB. */
    public VerifyingHttpHandler(WebhookVerifier verifier, HttpHandler delegate) {
        this(verifier, delegate, HttpVerification.DEFAULT_MAX_BODY_BYTES);
    }

    /** Verifies with {@code verifier}, answering 413 to bodies over {@code maxBodyBytes}. */
    public VerifyingHttpHandler(WebhookVerifier verifier, HttpHandler delegate, int maxBodyBytes) {
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        if (maxBodyBytes < 0 || maxBodyBytes == Integer.MAX_VALUE) {
            throw new IllegalArgumentException("maxBodyBytes must be between 0 and " + (Integer.MAX_VALUE - 1));
        }
        this.maxBodyBytes = maxBodyBytes;
    }

    /** The verified raw body of an exchange that passed this handler. */
    public static byte[] verifiedBody(HttpExchange exchange) {
        Object body = exchange.getAttribute(BODY_ATTRIBUTE);
        if (!(body instanceof byte[])) {
            throw new IllegalStateException("this exchange did not pass a VerifyingHttpHandler");
        }
        return (byte[]) body;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        byte[] body = readBody(exchange);
        if (body == null) {
            reject(exchange, HttpVerification.TOO_LARGE);
            return;
        }
        VerificationResult result = verifier.verify(exchange.getRequestHeaders(), body);
        if (result instanceof Rejected) {
            HttpVerification.log(LOG, (Rejected) result);
            reject(exchange, HttpVerification.of((Rejected) result));
            return;
        }
        exchange.setAttribute(BODY_ATTRIBUTE, body);
        exchange.setStreams(new ByteArrayInputStream(body), null);
        delegate.handle(exchange);
    }

    /** The body, or null when it exceeds the limit. */
    private byte[] readBody(HttpExchange exchange) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > maxBodyBytes) {
                    return null;
                }
            } catch (NumberFormatException e) {
                // The server has already framed the body; the read below enforces the limit anyway.
            }
        }
        InputStream in = exchange.getRequestBody();
        byte[] body = in.readNBytes(maxBodyBytes + 1);
        return body.length > maxBodyBytes ? null : body;
    }

    private static void reject(HttpExchange exchange, HttpVerification rejection) throws IOException {
        try {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(rejection.status, rejection.body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(rejection.body);
            }
        } finally {
            exchange.close();
        }
    }
}
