package dev.posthorn.signature;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads JSON text into the value model of {@link CanonicalJson}, accepting exactly what CPython's
 * {@code json.loads} accepts (including {@code NaN} and {@code Infinity}) and reporting errors with
 * its wording. Objects are read into {@link TreeMap}s in canonical key order, so the last of
 * duplicate keys wins as in Python, and writing them needs no second sort.
 */
final class JsonParser {

    private final String text;
    private final int length;
    private int pos;

    private JsonParser(String text) {
        this.text = text;
        this.length = text.length();
    }

    static Object parse(String text) {
        JsonParser parser = new JsonParser(text);
        if (text.startsWith("\uFEFF")) {
            throw parser.error("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0);
        }
        parser.skipWhitespace();
        Object value = parser.readValue(0);
        parser.skipWhitespace();
        if (parser.pos != parser.length) {
            throw parser.error("Extra data", parser.pos);
        }
        return value;
    }

    private Object readValue(int depth) {
        if (pos >= length) {
            throw error("Expecting value", pos);
        }
        char c = text.charAt(pos);
        switch (c) {
            case '{':
                return readObject(depth + 1);
            case '[':
                return readArray(depth + 1);
            case '"':
                return readString();
            case 't':
                expectWord("true");
                return Boolean.TRUE;
            case 'f':
                expectWord("false");
                return Boolean.FALSE;
            case 'n':
                expectWord("null");
                return null;
            case 'N':
                expectWord("NaN");
                return new JsonNumber("NaN");
            case 'I':
                expectWord("Infinity");
                return new JsonNumber("Infinity");
            case '-':
                if (text.startsWith("-Infinity", pos)) {
                    pos += "-Infinity".length();
                    return new JsonNumber("-Infinity");
                }
                return readNumber();
            default:
                if (c >= '0' && c <= '9') {
                    return readNumber();
                }
                throw error("Expecting value", pos);
        }
    }

    private Map<String, Object> readObject(int depth) {
        checkDepth(depth);
        pos++;
        TreeMap<String, Object> object = new TreeMap<>(CanonicalJson.CODE_POINT_ORDER);
        skipWhitespace();
        if (pos < length && text.charAt(pos) == '}') {
            pos++;
            return object;
        }
        while (true) {
            if (pos >= length || text.charAt(pos) != '"') {
                throw error("Expecting property name enclosed in double quotes", pos);
            }
            String key = readString();
            skipWhitespace();
            if (pos >= length || text.charAt(pos) != ':') {
                throw error("Expecting ':' delimiter", pos);
            }
            pos++;
            skipWhitespace();
            object.put(key, readValue(depth));
            skipWhitespace();
            if (pos < length) {
                char c = text.charAt(pos++);
                if (c == '}') {
                    return object;
                }
                if (c == ',') {
                    skipWhitespace();
                    continue;
                }
                pos--;
            }
            throw error("Expecting ',' delimiter", pos);
        }
    }

    private List<Object> readArray(int depth) {
        checkDepth(depth);
        pos++;
        List<Object> array = new ArrayList<>();
        skipWhitespace();
        if (pos < length && text.charAt(pos) == ']') {
            pos++;
            return array;
        }
        while (true) {
            array.add(readValue(depth));
            skipWhitespace();
            if (pos < length) {
                char c = text.charAt(pos++);
                if (c == ']') {
                    return array;
                }
                if (c == ',') {
                    skipWhitespace();
                    continue;
                }
                pos--;
            }
            throw error("Expecting ',' delimiter", pos);
        }
    }

    private String readString() {
        int quote = pos;
        int start = pos + 1;
        // Fast path: most strings have no escapes, so they are one substring.
        for (int i = start; i < length; i++) {
            char c = text.charAt(i);
            if (c == '"') {
                pos = i + 1;
                return text.substring(start, i);
            }
            if (c == '\\' || c < 0x20) {
                return readEscapedString(quote, i);
            }
        }
        throw error("Unterminated string starting at", quote);
    }

    private String readEscapedString(int quote, int firstSpecial) {
        StringBuilder out = new StringBuilder(firstSpecial - quote + 16);
        out.append(text, quote + 1, firstSpecial);
        int i = firstSpecial;
        while (i < length) {
            char c = text.charAt(i);
            if (c == '"') {
                pos = i + 1;
                return out.toString();
            }
            if (c < 0x20) {
                throw error("Invalid control character at", i);
            }
            if (c != '\\') {
                out.append(c);
                i++;
                continue;
            }
            if (i + 1 >= length) {
                break;
            }
            char escape = text.charAt(i + 1);
            switch (escape) {
                case '"': out.append('"'); break;
                case '\\': out.append('\\'); break;
                case '/': out.append('/'); break;
                case 'b': out.append('\b'); break;
                case 'f': out.append('\f'); break;
                case 'n': out.append('\n'); break;
                case 'r': out.append('\r'); break;
                case 't': out.append('\t'); break;
                case 'u':
                    // Surrogate escapes are kept as UTF-16 units: a pair forms one code point in a
                    // Java string exactly as Python joins it, and a lone one stays lone in both.
                    out.append(readHex4(i + 2, i));
                    i += 4;
                    break;
                default:
                    throw error("Invalid \\escape", i);
            }
            i += 2;
        }
        throw error("Unterminated string starting at", quote);
    }

    private char readHex4(int from, int escapeStart) {
        // CPython reports the position of the 'u', and treats digits running into the end of the
        // text (no closing quote possible) as a bad escape rather than an unterminated string.
        int u = escapeStart + 1;
        if (from + 4 >= length) {
            throw error("Invalid \\uXXXX escape", u);
        }
        int value = 0;
        for (int i = from; i < from + 4; i++) {
            int digit = hexValue(text.charAt(i));
            if (digit < 0) {
                throw error("Invalid \\uXXXX escape", u);
            }
            value = value * 16 + digit;
        }
        return (char) value;
    }

    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** Mirrors Python's number pattern {@code -?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?}. */
    private JsonNumber readNumber() {
        int start = pos;
        int i = pos;
        if (text.charAt(i) == '-') {
            i++;
        }
        if (i >= length || !JsonNumber.isDigit(text.charAt(i))) {
            throw error("Expecting value", start);
        }
        if (text.charAt(i) == '0') {
            i++;
        } else {
            i = skipDigits(i);
        }
        if (i + 1 < length && text.charAt(i) == '.' && JsonNumber.isDigit(text.charAt(i + 1))) {
            i = skipDigits(i + 1);
        }
        if (i < length && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
            int j = i + 1;
            if (j < length && (text.charAt(j) == '+' || text.charAt(j) == '-')) {
                j++;
            }
            // Like Python, "1e" is the number 1 followed by stray text, not a malformed number.
            if (j < length && JsonNumber.isDigit(text.charAt(j))) {
                i = skipDigits(j);
            }
        }
        pos = i;
        return new JsonNumber(text.substring(start, i));
    }

    private int skipDigits(int i) {
        while (i < length && JsonNumber.isDigit(text.charAt(i))) {
            i++;
        }
        return i;
    }

    private void expectWord(String word) {
        if (!text.startsWith(word, pos)) {
            throw error("Expecting value", pos);
        }
        pos += word.length();
    }

    private void skipWhitespace() {
        while (pos < length) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private void checkDepth(int depth) {
        // A bound instead of a StackOverflowError on hostile input; CPython stops near 1000.
        if (depth > CanonicalJson.MAX_DEPTH) {
            throw error("Nesting deeper than " + CanonicalJson.MAX_DEPTH + " levels", pos);
        }
    }

    private InvalidJsonException error(String problem, int at) {
        return new InvalidJsonException(problem, text, at);
    }
}
