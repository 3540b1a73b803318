package dev.posthorn.signature;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Canonical JSON as Posthorn signs and sends it: byte-identical to CPython 3's
 * <pre>json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))</pre>
 * so that the bytes sent are the bytes signed, and a receiver that re-serialises the parsed body
 * (as the reference design's Python verifier does) gets the same bytes again.
 *
 * <ul>
 *   <li>Object keys are ordered by Unicode code point, which is not {@link String#compareTo}'s
 *       UTF-16 order when keys mix U+E000–U+FFFF with characters beyond U+FFFF. The last of
 *       duplicate keys wins.</li>
 *   <li>Only printable ASCII is written literally; {@code "} and {@code \} are escaped,
 *       {@code \n \r \t \b \f} use their short escapes, everything else (other control
 *       characters, DEL, all non-ASCII) is {@code \}{@code u} plus four lowercase hex digits, with
 *       surrogate pairs beyond the BMP. {@code /} is not escaped. The output is pure ASCII.</li>
 *   <li>Integers (no fraction, no exponent) are written exactly as given at any size, except that
 *       {@code -0} becomes {@code 0} as Python's {@code int} does. Other numbers are written as
 *       Python's {@code repr(float)}: {@code 1.50} → {@code 1.5}, {@code 1E2} → {@code 100.0},
 *       {@code 0.00001} → {@code 1e-05}, {@code 1e16} → {@code 1e+16}.</li>
 *   <li>Where CPython departs from RFC 8259, this class follows CPython: it reads {@code NaN},
 *       {@code Infinity} and {@code -Infinity}, and a float too large for a double (e.g.
 *       {@code 1e400}) becomes {@code Infinity} in the output, as {@code json.dumps} writes it.
 *       Such output is not RFC 8259 JSON, but Python receivers read it back and so does this class.</li>
 *   <li>Known differences: nesting deeper than {@value #MAX_DEPTH} levels is rejected (CPython
 *       gives up near 1000), and integers beyond CPython's default 4300-digit conversion limit are
 *       accepted here while Python refuses them.</li>
 * </ul>
 *
 * <p>The value model, used by {@link #parse} and {@link #write}: {@link Map} with {@link String}
 * keys, {@link List}, {@link String}, {@link Boolean}, {@code null}, and numbers as
 * {@link JsonNumber}, {@link Integer}, {@link Long} or {@link BigInteger}. Build a document from
 * parts with it, e.g. an envelope around an already parsed payload, without re-parsing the payload.
 */
public final class CanonicalJson {

    /** Deepest nesting of objects and arrays that is read or written. */
    public static final int MAX_DEPTH = 512;

    /** Orders strings by Unicode code point, as Python compares {@code str}. */
    static final Comparator<String> CODE_POINT_ORDER = CanonicalJson::compareByCodePoint;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private CanonicalJson() {
    }

    /**
     * Returns the canonical form of a JSON text.
     *
     * @throws InvalidJsonException if the text is not JSON as CPython's {@code json.loads} reads it
     */
    public static String canonicalize(String json) {
        StringBuilder out = new StringBuilder(json.length());
        writeValue(out, parse(json), 0);
        return out.toString();
    }

    /**
     * Returns the canonical form of a JSON text as bytes (UTF-8, which for canonical JSON is ASCII):
     * the exact bytes to sign and to send.
     *
     * @throws InvalidJsonException if the text is not JSON as CPython's {@code json.loads} reads it
     */
    public static byte[] canonicalBytes(String json) {
        return canonicalize(json).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads a JSON text into the value model (see the class description). Objects come back as
     * mutable maps already in canonical key order; numbers come back as {@link JsonNumber} holding
     * the literal as written.
     *
     * @throws InvalidJsonException if the text is not JSON as CPython's {@code json.loads} reads it
     */
    public static Object parse(String json) {
        return JsonParser.parse(json);
    }

    /**
     * Writes a value of the value model (see the class description) in canonical form.
     *
     * @throws IllegalArgumentException for a type outside the value model, a non-string or null
     *         map key, or nesting deeper than {@value #MAX_DEPTH} (which also stops cycles)
     */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder(256);
        writeValue(out, value, 0);
        return out.toString();
    }

    private static void writeValue(StringBuilder out, Object value, int depth) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String) {
            writeString(out, (String) value);
        } else if (value instanceof Map) {
            writeObject(out, (Map<?, ?>) value, depth + 1);
        } else if (value instanceof List) {
            writeArray(out, (List<?>) value, depth + 1);
        } else if (value instanceof JsonNumber) {
            writeNumber(out, (JsonNumber) value);
        } else if (value instanceof Boolean) {
            out.append(((Boolean) value).booleanValue() ? "true" : "false");
        } else if (value instanceof Integer || value instanceof Long) {
            out.append(((Number) value).longValue());
        } else if (value instanceof BigInteger) {
            out.append(value);
        } else {
            throw new IllegalArgumentException("cannot write " + value.getClass().getName()
                    + " as canonical JSON; use Map, List, String, Boolean, null, JsonNumber, Integer, Long or BigInteger");
        }
    }

    private static void writeObject(StringBuilder out, Map<?, ?> object, int depth) {
        checkDepth(depth);
        out.append('{');
        if (object instanceof SortedMap && ((SortedMap<?, ?>) object).comparator() == CODE_POINT_ORDER) {
            // Maps from parse() are already in canonical order.
            boolean first = true;
            for (Map.Entry<?, ?> entry : object.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                writeString(out, (String) entry.getKey());
                out.append(':');
                writeValue(out, entry.getValue(), depth);
            }
        } else {
            List<Map.Entry<?, ?>> entries = new ArrayList<>(object.entrySet());
            for (Map.Entry<?, ?> entry : entries) {
                if (!(entry.getKey() instanceof String)) {
                    throw new IllegalArgumentException("JSON object keys must be strings, got "
                            + (entry.getKey() == null ? "null" : entry.getKey().getClass().getName()));
                }
            }
            entries.sort((a, b) -> compareByCodePoint((String) a.getKey(), (String) b.getKey()));
            for (int i = 0; i < entries.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                writeString(out, (String) entries.get(i).getKey());
                out.append(':');
                writeValue(out, entries.get(i).getValue(), depth);
            }
        }
        out.append('}');
    }

    private static void writeArray(StringBuilder out, List<?> array, int depth) {
        checkDepth(depth);
        out.append('[');
        boolean first = true;
        for (Object element : array) {
            if (!first) {
                out.append(',');
            }
            first = false;
            writeValue(out, element, depth);
        }
        out.append(']');
    }

    private static void writeNumber(StringBuilder out, JsonNumber number) {
        String literal = number.literal();
        if (number.isInteger()) {
            out.append(literal.equals("-0") ? "0" : literal);
        } else if (literal.equals("NaN") || literal.equals("Infinity") || literal.equals("-Infinity")) {
            out.append(literal);
        } else {
            PythonFloatRepr.appendLiteral(out, literal);
        }
    }

    /** Python's {@code ensure_ascii} string encoding; copies runs of plain characters in one go. */
    private static void writeString(StringBuilder out, String s) {
        out.append('"');
        int runStart = 0;
        int length = s.length();
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                continue;
            }
            out.append(s, runStart, i);
            runStart = i + 1;
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                case '\b': out.append("\\b"); break;
                case '\f': out.append("\\f"); break;
                default:
                    // A UTF-16 unit at a time: a character beyond U+FFFF becomes its surrogate pair,
                    // exactly as Python escapes it.
                    out.append('\\').append('u')
                            .append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
                            .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
            }
        }
        out.append(s, runStart, length);
        out.append('"');
    }

    static int compareByCodePoint(String a, String b) {
        int shorter = Math.min(a.length(), b.length());
        for (int i = 0; i < shorter; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x == y) {
                continue;
            }
            if (x < Character.MIN_SURROGATE && y < Character.MIN_SURROGATE) {
                return x - y;
            }
            // Surrogates are involved: compare whole code points. If the unit before is a shared
            // high surrogate, the code point starts there.
            int start = i > 0 && Character.isHighSurrogate(a.charAt(i - 1)) ? i - 1 : i;
            int cx = a.codePointAt(start);
            int cy = b.codePointAt(start);
            if (cx == cy) {
                // Both have a lone high surrogate at start; the difference is at i.
                cx = a.codePointAt(i);
                cy = b.codePointAt(i);
            }
            return Integer.compare(cx, cy);
        }
        return a.length() - b.length();
    }

    private static void checkDepth(int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("JSON nesting deeper than " + MAX_DEPTH + " levels (or a cycle)");
        }
    }
}
