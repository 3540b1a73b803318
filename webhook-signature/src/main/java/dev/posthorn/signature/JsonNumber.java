package dev.posthorn.signature;

import java.util.Objects;

/**
 * A JSON number kept as the literal it was written as, so that integers of any size survive
 * untouched and {@link CanonicalJson#write} can print floats the way Python does.
 *
 * <p>Besides the RFC 8259 number grammar, the literals {@code NaN}, {@code Infinity} and
 * {@code -Infinity} are accepted because CPython's {@code json.loads} reads them (and
 * {@code json.dumps} writes them), and canonical JSON here follows CPython byte for byte.
 *
 * @param literal the number exactly as written in JSON text, e.g. {@code "1.50"} or {@code "-12e3"}
 */
public record JsonNumber(String literal) {

    /** Refuses text that is not a JSON number literal. */
    public JsonNumber {
        Objects.requireNonNull(literal, "literal");
        if (!isValidLiteral(literal)) {
            // The literal ends up verbatim in signed output: anything else would be JSON injection.
            throw new IllegalArgumentException("not a JSON number literal: " + abbreviate(literal));
        }
    }

    /** True for integer literals (no fraction, no exponent), which Python reads as {@code int}. */
    boolean isInteger() {
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            if (c == '.' || c == 'e' || c == 'E' || c == 'N' || c == 'I') {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return literal;
    }

    static boolean isValidLiteral(String s) {
        if (s.equals("NaN") || s.equals("Infinity") || s.equals("-Infinity")) {
            return true;
        }
        int n = s.length();
        int i = 0;
        if (i < n && s.charAt(i) == '-') {
            i++;
        }
        if (i >= n || !isDigit(s.charAt(i))) {
            return false;
        }
        if (s.charAt(i) == '0') {
            i++;
        } else {
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
        }
        if (i < n && s.charAt(i) == '.') {
            i++;
            int fractionStart = i;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
            if (i == fractionStart) {
                return false;
            }
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int exponentStart = i;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
            if (i == exponentStart) {
                return false;
            }
        }
        return i == n;
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? '"' + s + '"' : '"' + s.substring(0, 40) + "\"... (" + s.length() + " chars)";
    }
}
