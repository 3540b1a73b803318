package dev.posthorn.signature;

/**
 * The text given to {@link CanonicalJson} is not JSON (as CPython's {@code json.loads} reads it).
 * The message uses CPython's wording and position format, e.g.
 * {@code Expecting ',' delimiter: line 1 column 9 (char 8)}; it never quotes the input beyond one
 * character, because payloads may carry personal data.
 */
public final class InvalidJsonException extends IllegalArgumentException {

    /** Zero-based index of the offending character. */
    private final int position;

    InvalidJsonException(String problem, String text, int position) {
        super(problem + ": " + location(text, position));
        this.position = position;
    }

    /**
     * Zero-based index of the offending character in the input string, in UTF-16 units: the same
     * as CPython's "char" unless characters beyond U+FFFF precede it (Java counts those as two).
     */
    public int position() {
        return position;
    }

    private static String location(String text, int position) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < position && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return "line " + line + " column " + (position - lineStart + 1) + " (char " + position + ")";
    }
}
