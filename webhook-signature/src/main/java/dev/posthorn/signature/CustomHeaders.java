package dev.posthorn.signature;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Rules for a subscription's static custom headers (sent on every attempt): at most {@value #MAX_COUNT},
 * names that are HTTP tokens, values of printable ASCII, and never a header Posthorn sets or HTTP owns.
 */
public final class CustomHeaders {

    public static final int MAX_COUNT = 16;
    public static final int MAX_NAME_LENGTH = 64;
    public static final int MAX_VALUE_LENGTH = 512;
    /** Names (lower case) a subscription may not set: Posthorn's own, signature ones, and HTTP's. */
    private static final Set<String> RESERVED = Set.of(
            "content-type", "content-length", "content-encoding", "host", "transfer-encoding", "connection",
            "keep-alive", "upgrade", "te", "trailer", "expect", "user-agent", "traceparent", "tracestate");
    private static final String TOKEN_CHARS = "!#$%&'*+-.^_`|~";

    private CustomHeaders() {
    }

    /** What is wrong with these headers, naming the header; empty when they may be sent. */
    public static Optional<String> problem(Map<String, String> headers) {
        if (headers.size() > MAX_COUNT) {
            return Optional.of("at most " + MAX_COUNT + " headers, got " + headers.size());
        }
        for (Map.Entry<String, String> e : headers.entrySet()) {
            Optional<String> problem = problem(e.getKey(), e.getValue());
            if (problem.isPresent()) {
                return problem;
            }
        }
        return Optional.empty();
    }

    static Optional<String> problem(String name, String value) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            return Optional.of("header names must be 1 to " + MAX_NAME_LENGTH + " characters long");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c < 0x7f && (Character.isLetterOrDigit(c) || TOKEN_CHARS.indexOf(c) >= 0))) {
                return Optional.of("header '" + printable(name) + "' is not a valid HTTP header name (a token:"
                        + " letters, digits and !#$%&'*+-.^_`|~)");
            }
        }
        if (isReserved(name)) {
            return Optional.of("header '" + name + "' is set by Posthorn or HTTP and cannot be overridden");
        }
        if (value == null) {
            return Optional.of("header '" + name + "' needs a string value");
        }
        if (value.length() > MAX_VALUE_LENGTH) {
            return Optional.of("header '" + name + "' value is longer than " + MAX_VALUE_LENGTH + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return Optional.of("header '" + name + "' value must be printable ASCII (found a character outside"
                        + " it at index " + i + ")");
            }
        }
        return Optional.empty();
    }

    /** Whether Posthorn or HTTP owns {@code name} (any case): signature, {@code webhook-*}, {@code X-Event-Id}… */
    public static boolean isReserved(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return RESERVED.contains(lower)
                || lower.startsWith("webhook-")
                || lower.startsWith("x-signature")
                || lower.startsWith("x-posthorn-")
                || lower.equals(WebhookHeaders.EVENT_ID.toLowerCase(Locale.ROOT))
                || lower.equals(WebhookHeaders.TOPIC.toLowerCase(Locale.ROOT))
                || lower.equals(WebhookHeaders.ATTEMPT.toLowerCase(Locale.ROOT))
                || lower.equals(WebhookHeaders.PAYLOAD_VERSION.toLowerCase(Locale.ROOT))
                || lower.equals(WebhookHeaders.SUBSCRIPTION.toLowerCase(Locale.ROOT));
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < MAX_NAME_LENGTH; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }
}
