package dev.posthorn.outbox;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.posthorn.signature.CanonicalJson;
import java.io.IOException;

/**
 * Turns a payload into the canonical JSON text bound to {@code ?::json}, refusing anything Postgres would
 * reject (which would abort the caller's transaction) or that a receiver could not read back exactly.
 *
 * <p>The stored text is {@link CanonicalJson}'s form, byte for byte what CPython's
 * {@code json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))} writes and what subscribers
 * receive: the column is {@code json}, which keeps text as given, not {@code jsonb}, which would rewrite
 * {@code 1e16} as {@code 10000000000000000} and so turn a float into an integer. The size limit applies
 * to these canonical bytes.
 *
 * <p>Every payload ends up as text and is checked in one streaming pass before it is canonicalised:
 * <ul>
 *   <li>exactly one JSON value, and not {@code null} (Debezium's outbox router reads a null payload as a
 *       tombstone); objects, arrays and scalars are all accepted, as the relay carries any JSON value;</li>
 *   <li>every number finite and within double range: NaN and ±Infinity, and literals like {@code 1e400}
 *       or {@code 1e-400} that would become infinity or zero in a receiver's double;</li>
 *   <li>no U+0000 and no unpaired surrogate in any string or field name: Postgres cannot hold the first
 *       in text (nor read it back from a {@code json} value), and a receiver's UTF-8 decoder would
 *       silently turn the second into '?'.</li>
 * </ul>
 * Objects are serialised with NaN written as a bare token (not Jackson's default {@code "NaN"} string),
 * so that a {@code double} field holding NaN is refused rather than silently sent as a string.
 */
final class JsonPayloads {

    private static final String FIELD = "payload";

    private final int maxBytes;
    private final JsonFactory parsing;
    private final ObjectWriter treeWriter;
    private final ObjectWriter objectWriter;

    JsonPayloads(int maxBytes, ObjectMapper applicationMapper) {
        this.maxBytes = maxBytes;
        this.parsing = JsonFactory.builder()
                // Parse NaN/Infinity so that we can name them, instead of failing with a generic syntax error.
                .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                // Keep payload fragments out of error messages: they may hold personal data.
                .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                .build();
        this.treeWriter = new ObjectMapper().writer().without(JsonWriteFeature.WRITE_NAN_AS_STRINGS);
        this.objectWriter = applicationMapper.writer().without(JsonWriteFeature.WRITE_NAN_AS_STRINGS);
    }

    /** @throws InvalidEventException for field {@code payload} */
    String toJson(Object payload) {
        if (payload == null) {
            throw new InvalidEventException(FIELD, "must not be null; pass JSON text, a JsonNode or an object to serialise");
        }
        String json;
        if (payload instanceof String text) {
            json = text;
        } else {
            json = serialise(payload instanceof JsonNode ? treeWriter : objectWriter, payload);
        }
        scan(json, payload instanceof String);
        String canonical = CanonicalJson.canonicalize(json);
        // Canonical JSON is ASCII: one byte per char.
        if (canonical.length() > maxBytes) {
            throw new InvalidEventException(FIELD, "is " + canonical.length() + " bytes as canonical JSON (what is stored"
                    + " and sent); the limit is " + maxBytes + " (Outbox.builder().maxPayloadBytes)");
        }
        return canonical;
    }

    private static String serialise(ObjectWriter writer, Object payload) {
        try {
            return writer.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new InvalidEventException(FIELD, "cannot be serialised to JSON (" + payload.getClass().getName()
                    + "): " + e.getOriginalMessage(), e);
        }
    }

    private void scan(String json, boolean givenAsText) {
        try (JsonParser parser = parsing.createParser(json)) {
            JsonToken token = parser.nextToken();
            if (token == null) {
                throw new InvalidEventException(FIELD, "is not valid JSON: it is empty; expected a JSON value such as {}");
            }
            if (token == JsonToken.VALUE_NULL) {
                throw new InvalidEventException(FIELD, "is JSON null; publish a JSON value (Debezium's outbox router"
                        + " would read a null payload as a tombstone)");
            }
            int depth = 0;
            while (true) {
                switch (token) {
                    case START_OBJECT, START_ARRAY -> depth++;
                    case END_OBJECT, END_ARRAY -> depth--;
                    case FIELD_NAME, VALUE_STRING -> checkText(parser);
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> checkNumber(parser, token);
                    default -> { }
                }
                if (depth == 0) {
                    break;
                }
                token = parser.nextToken();
            }
            if (parser.nextToken() != null) {
                throw new InvalidEventException(FIELD, "is not valid JSON: there is more after the first JSON value"
                        + " at " + where(parser.currentLocation()));
            }
        } catch (JsonProcessingException e) {
            String origin = givenAsText ? "is not valid JSON: " : "serialises to invalid JSON: ";
            throw new InvalidEventException(FIELD, origin + e.getOriginalMessage() + " at " + where(e.getLocation()), e);
        } catch (IOException e) {
            // Reading a String cannot fail with I/O; anything else here is a parser defect worth seeing.
            throw new IllegalStateException("unexpected failure while reading a payload held in memory", e);
        }
    }

    private static void checkNumber(JsonParser parser, JsonToken token) throws IOException {
        if (token == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            return; // fits a long, hence a double's range
        }
        if (parser.isNaN()) {
            throw new InvalidEventException(FIELD, "has the number " + parser.getText() + " at " + pointer(parser)
                    + ", which JSON cannot carry (NaN and Infinity are not JSON numbers)");
        }
        double value = parser.getDoubleValue();
        if (Double.isInfinite(value)) {
            throw new InvalidEventException(FIELD, "has a number at " + pointer(parser) + " beyond the range of a"
                    + " double (about ±1.8e308), which receivers cannot read exactly");
        }
        if (value == 0.0 && hasNonZeroDigit(parser.getText())) {
            throw new InvalidEventException(FIELD, "has a non-zero number at " + pointer(parser) + " too small for a"
                    + " double (below about 4.9e-324), which receivers would read as 0");
        }
    }

    /** True if the mantissa (the part before any exponent) has a digit other than 0. */
    private static boolean hasNonZeroDigit(String numberLiteral) {
        for (int i = 0; i < numberLiteral.length(); i++) {
            char c = numberLiteral.charAt(i);
            if (c == 'e' || c == 'E') {
                return false;
            }
            if (c >= '1' && c <= '9') {
                return true;
            }
        }
        return false;
    }

    private static void checkText(JsonParser parser) throws IOException {
        char[] chars = parser.getTextCharacters();
        int end = parser.getTextOffset() + parser.getTextLength();
        for (int i = parser.getTextOffset(); i < end; i++) {
            char c = chars[i];
            if (c != 0 && !Character.isSurrogate(c)) {
                continue;
            }
            if (c == 0) {
                throw new InvalidEventException(FIELD, "has the character U+0000 in a string at " + pointer(parser)
                        + "; Postgres cannot store it");
            }
            if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(chars[i + 1])) {
                i++;
            } else {
                throw new InvalidEventException(FIELD, "has an unpaired UTF-16 surrogate in a string at "
                        + pointer(parser) + "; it cannot be encoded as UTF-8");
            }
        }
    }

    private static String pointer(JsonParser parser) {
        String path = parser.getParsingContext().pathAsPointer().toString();
        return path.isEmpty() ? "the top level" : path;
    }

    private static String where(JsonLocation location) {
        return location == null ? "unknown position" : "line " + location.getLineNr() + ", column " + location.getColumnNr();
    }
}
