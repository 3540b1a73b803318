package dev.posthorn.signature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Canonical JSON must equal CPython byte for byte. Every expected output below was produced by
 * CPython 3.11.7 with
 * <pre>
 * python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1]), sort_keys=True, separators=(",", ":")))' "$INPUT"
 * </pre>
 * and every expected error message and position by
 * <pre>
 * python3 -c 'import json,sys
 * try: json.loads(sys.argv[1])
 * except json.JSONDecodeError as e: print(str(e), e.pos)' "$INPUT"
 * </pre>
 * (run over the inputs with a small script that also printed them as Java literals).
 */
class CanonicalJsonTest {

    static Stream<Arguments> pythonTable() {
        return Stream.of(
                row("keys by code point: astral after U+E000..U+FFFF",
                        "{\"\ud83d\ude00\":1,\"\ue000\":2,\"\uffff\":3,\"a\":4,\"\u00e9\":5,\"\ud834\udd1e\":6}",
                        "{\"a\":4,\"\\u00e9\":5,\"\\ue000\":2,\"\\uffff\":3,\"\\ud834\\udd1e\":6,\"\\ud83d\\ude00\":1}"),
                row("same keys written as escapes",
                        "{\"\\ud83d\\ude00\":1,\"\\uE000\":2,\"\\uffff\":3,\"\\u0061\":4,\"\\u00e9\":5,\"\\ud834\\udd1e\":6}",
                        "{\"a\":4,\"\\u00e9\":5,\"\\ue000\":2,\"\\uffff\":3,\"\\ud834\\udd1e\":6,\"\\ud83d\\ude00\":1}"),
                row("key prefixes and empty key",
                        "{\"ab\":1,\"a\":2,\"\":3,\"b\":4,\"aa\":5}",
                        "{\"\":3,\"a\":2,\"aa\":5,\"ab\":1,\"b\":4}"),
                row("keys with lone surrogates sort by code point too",
                        "{\"\\ue000\":1,\"\\ud800\":2,\"\\ud83d\\ude00\":3,\"\\ud83dx\":4,\"\\ud83d\":5,\"\\uffff\":6}",
                        "{\"\\ud800\":2,\"\\ud83d\":5,\"\\ud83dx\":4,\"\\ue000\":1,\"\\uffff\":6,\"\\ud83d\\ude00\":3}"),
                row("every escape",
                        "\"quote\\\" backslash\\\\ slash\\/ b\\b f\\f n\\n r\\r t\\t nul\\u0000 us\\u001f del\\u007f\"",
                        "\"quote\\\" backslash\\\\ slash/ b\\b f\\f n\\n r\\r t\\t nul\\u0000 us\\u001f del\\u007f\""),
                row("raw characters that need escaping on output",
                        "\"/ \u007f \u0080 \u00e9 \u20ac \u2028 \ue000 \uffff \ud83d\ude00\"",
                        "\"/ \\u007f \\u0080 \\u00e9 \\u20ac \\u2028 \\ue000 \\uffff \\ud83d\\ude00\""),
                row("lone surrogates stay lone",
                        "[\"\\ud800\",\"\\udfff\",\"\\ud83dx\",\"\\udE00\\ud83D\"]",
                        "[\"\\ud800\",\"\\udfff\",\"\\ud83dx\",\"\\ude00\\ud83d\"]"),
                row("upper-case hex escapes become lower case",
                        "\"\\u00E9\\u20AC\\uD83D\\uDE00\\u001F\"",
                        "\"\\u00e9\\u20ac\\ud83d\\ude00\\u001f\""),
                row("0.1",
                        "0.1",
                        "0.1"),
                row("1e-05",
                        "1e-05",
                        "1e-05"),
                row("0.00001",
                        "0.00001",
                        "1e-05"),
                row("1e-4 is fixed",
                        "1e-4",
                        "0.0001"),
                row("123e-7",
                        "123e-7",
                        "1.23e-05"),
                row("1e16",
                        "1e16",
                        "1e+16"),
                row("1e15 is fixed",
                        "1e15",
                        "1000000000000000.0"),
                row("1E2",
                        "1E2",
                        "100.0"),
                row("1.50",
                        "1.50",
                        "1.5"),
                row("1.0",
                        "1.0",
                        "1.0"),
                row("-0.0",
                        "-0.0",
                        "-0.0"),
                row("0e0",
                        "0e0",
                        "0.0"),
                row("-0 is an int",
                        "-0",
                        "0"),
                row("1.5e300",
                        "1.5e300",
                        "1.5e+300"),
                row("-1.5E-3",
                        "-1.5E-3",
                        "-0.0015"),
                row("30-digit integer",
                        "123456789012345678901234567890",
                        "123456789012345678901234567890"),
                row("negative 30-digit integer",
                        "-123456789012345678901234567890",
                        "-123456789012345678901234567890"),
                row("2^53+1 as int",
                        "9007199254740993",
                        "9007199254740993"),
                row("2^53+1 as float",
                        "9007199254740993.0",
                        "9007199254740992.0"),
                row("long float literal",
                        "0.1000000000000000055511151231257827",
                        "0.1"),
                row("many digits",
                        "12345678901234567890.5",
                        "1.2345678901234567e+19"),
                row("largest double",
                        "1.7976931348623157e308",
                        "1.7976931348623157e+308"),
                row("smallest subnormal",
                        "4.9e-324",
                        "5e-324"),
                row("2^-1074 exactly",
                        "4.9406564584124654e-324",
                        "5e-324"),
                row("2^-1017: nearest 16 digits do not read back, the other neighbour does",
                        "7.1202363472230444e-307",
                        "7.120236347223045e-307"),
                row("overflow reads as Infinity",
                        "[1e400,-1e400]",
                        "[Infinity,-Infinity]"),
                row("underflow reads as zero",
                        "[1e-400,-1e-400]",
                        "[0.0,-0.0]"),
                row("NaN and infinities as Python reads them",
                        "[NaN,Infinity,-Infinity]",
                        "[NaN,Infinity,-Infinity]"),
                row("nested and empty containers",
                        "{\"b\":[],\"a\":{},\"c\":[{},[[]],{\"z\":{\"y\":[1,{\"x\":null}]}}]}",
                        "{\"a\":{},\"b\":[],\"c\":[{},[[]],{\"z\":{\"y\":[1,{\"x\":null}]}}]}"),
                row("insignificant whitespace",
                        " \t\n\r{ \"b\" : [ 1 , 2.0 , true ] ,\n \"a\" : { } } \r\n",
                        "{\"a\":{},\"b\":[1,2.0,true]}"),
                row("duplicate keys: last wins",
                        "{\"a\":1,\"b\":2,\"a\":3}",
                        "{\"a\":3,\"b\":2}"),
                row("scalars at top level",
                        "[true,false,null,\"x\",42]",
                        "[true,false,null,\"x\",42]"),
                row("top-level string",
                        "\"hello\"",
                        "\"hello\""),
                row("top-level null",
                        "null",
                        "null")
);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pythonTable")
    void canonicalFormEqualsCPython(String description, String input, String python) {
        assertThat(CanonicalJson.canonicalize(input)).isEqualTo(python);
        assertThat(CanonicalJson.canonicalBytes(input)).isEqualTo(python.getBytes(StandardCharsets.US_ASCII));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pythonTable")
    void canonicalFormIsAFixedPoint(String description, String input, String python) {
        assertThat(CanonicalJson.canonicalize(python)).isEqualTo(python);
    }

    static Stream<Arguments> pythonErrors() {
        return Stream.of(
                bad("", "Expecting value: line 1 column 1 (char 0)", 0),
                bad("   ", "Expecting value: line 1 column 4 (char 3)", 3),
                bad("{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)", 1),
                bad("[1,]", "Expecting value: line 1 column 4 (char 3)", 3),
                bad("{\"a\":1,}", "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)", 7),
                bad("01", "Extra data: line 1 column 2 (char 1)", 1),
                bad("1.", "Extra data: line 1 column 2 (char 1)", 1),
                bad(".5", "Expecting value: line 1 column 1 (char 0)", 0),
                bad("-", "Expecting value: line 1 column 1 (char 0)", 0),
                bad("+1", "Expecting value: line 1 column 1 (char 0)", 0),
                bad("1e", "Extra data: line 1 column 2 (char 1)", 1),
                bad("--1", "Expecting value: line 1 column 1 (char 0)", 0),
                bad("\"\\x\"", "Invalid \\escape: line 1 column 2 (char 1)", 1),
                bad("\"a\nb\"", "Invalid control character at: line 1 column 3 (char 2)", 2),
                bad("tru", "Expecting value: line 1 column 1 (char 0)", 0),
                bad("[1] x", "Extra data: line 1 column 5 (char 4)", 4),
                bad("nan", "Expecting value: line 1 column 1 (char 0)", 0),
                bad("\"\\ud83d", "Invalid \\uXXXX escape: line 1 column 3 (char 2)", 2),
                bad("\"\\u12\"", "Invalid \\uXXXX escape: line 1 column 3 (char 2)", 2),
                bad("\"\\u12G4\"", "Invalid \\uXXXX escape: line 1 column 3 (char 2)", 2),
                bad("{1:2}", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)", 1),
                bad("{\"a\" 1}", "Expecting ':' delimiter: line 1 column 6 (char 5)", 5),
                bad("[1 2]", "Expecting ',' delimiter: line 1 column 4 (char 3)", 3),
                bad("\"abc", "Unterminated string starting at: line 1 column 1 (char 0)", 0),
                bad("[", "Expecting value: line 1 column 2 (char 1)", 1),
                bad("\ufeff{}", "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)", 0),
                bad("'a'", "Expecting value: line 1 column 1 (char 0)", 0),
                bad("{\"a\":1}\n{\"b\":2}", "Extra data: line 2 column 1 (char 8)", 8),
                bad("[\n  1,\n  ]", "Expecting value: line 3 column 3 (char 9)", 9));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pythonErrors")
    void invalidJsonIsRejectedWithCPythonsMessageAndPosition(String input, String message, int position) {
        assertThatThrownBy(() -> CanonicalJson.canonicalize(input))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo(message);
                    assertThat(e.position()).isEqualTo(position);
                })
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nestingIsBoundedInsteadOfOverflowingTheStack() {
        int limit = CanonicalJson.MAX_DEPTH;
        String deepest = "[".repeat(limit) + "]".repeat(limit);
        assertThat(CanonicalJson.canonicalize(deepest)).isEqualTo(deepest);

        String tooDeep = "[".repeat(limit + 1) + "]".repeat(limit + 1);
        assertThatThrownBy(() -> CanonicalJson.canonicalize(tooDeep))
                .isInstanceOf(InvalidJsonException.class)
                .hasMessageStartingWith("Nesting deeper than " + limit + " levels");
        assertThatThrownBy(() -> CanonicalJson.canonicalize("[".repeat(100_000)))
                .isInstanceOf(InvalidJsonException.class);
    }

    /**
     * The relay's envelope, built around a payload parsed once. Expected output from CPython:
     * json.dumps({"created_at": "2024-05-01T12:00:00Z", "payload": json.loads(PAYLOAD),
     * "topic": "invoice.created", "version": 1}, sort_keys=True, separators=(",", ":")).
     */
    @Test
    void writesADocumentBuiltFromPartsWithoutReparsingThePayload() {
        Object payload = CanonicalJson.parse(
                "{\"amount\": 12.50, \"currency\": \"EUR\", \"customer\": {\"name\": \"Zo\u00eb\"}, \"lines\": [1, 2]}");
        Map<String, Object> envelope = new HashMap<>();
        envelope.put("version", 1);
        envelope.put("topic", "invoice.created");
        envelope.put("payload", payload);
        envelope.put("created_at", "2024-05-01T12:00:00Z");

        assertThat(CanonicalJson.write(envelope)).isEqualTo(
                "{\"created_at\":\"2024-05-01T12:00:00Z\",\"payload\":{\"amount\":12.5,\"currency\":\"EUR\","
                        + "\"customer\":{\"name\":\"Zo\\u00eb\"},\"lines\":[1,2]},\"topic\":\"invoice.created\",\"version\":1}");
    }

    @Test
    void writesJavaIntegersAndNumberLiterals() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("int", -7);
        value.put("long", Long.MIN_VALUE);
        value.put("big", new BigInteger("123456789012345678901234567890"));
        value.put("literal", new JsonNumber("1E2"));
        value.put("list", List.of(true, "x"));
        value.put("null", null);
        assertThat(CanonicalJson.write(value)).isEqualTo(
                "{\"big\":123456789012345678901234567890,\"int\":-7,\"list\":[true,\"x\"],\"literal\":100.0,"
                        + "\"long\":-9223372036854775808,\"null\":null}");
    }

    @Test
    void parseReturnsTheValueModel() {
        Object parsed = CanonicalJson.parse("{\"b\":[1.50,\"s\",true,null],\"a\":{}}");
        assertThat(parsed).isInstanceOf(Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> object = (Map<String, Object>) parsed;
        assertThat(object.keySet()).containsExactly("a", "b");
        assertThat(object.get("b")).isEqualTo(Arrays.asList(new JsonNumber("1.50"), "s", true, null));
    }

    @Test
    void refusesValuesOutsideTheModel() {
        assertThatThrownBy(() -> CanonicalJson.write(List.of(1.5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.lang.Double");
        assertThatThrownBy(() -> CanonicalJson.write(Map.of(1, "x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keys must be strings");
        List<Object> cycle = new ArrayList<>();
        cycle.add(cycle);
        assertThatThrownBy(() -> CanonicalJson.write(cycle))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cycle");
    }

    @Test
    void jsonNumberAcceptsOnlyNumberLiterals() {
        for (String valid : List.of("0", "-0", "12", "1.5", "1e5", "1E+5", "-1.25e-3", "NaN", "Infinity", "-Infinity")) {
            assertThat(new JsonNumber(valid).literal()).isEqualTo(valid);
        }
        for (String invalid : List.of("", "01", "1.", ".5", "+1", "1e", "0x10", "1,2", "1}", "nan", " 1")) {
            assertThatThrownBy(() -> new JsonNumber(invalid))
                    .as(invalid)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static Arguments row(String description, String input, String python) {
        return Arguments.of(description, input, python);
    }

    private static Arguments bad(String input, String message, int position) {
        return Arguments.of(input, message, position);
    }
}
