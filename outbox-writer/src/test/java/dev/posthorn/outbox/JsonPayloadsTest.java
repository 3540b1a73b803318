package dev.posthorn.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The payload rules without a database; the refusals against Postgres are in {@link PublishRefusalTest}. */
class JsonPayloadsTest {

    private final JsonPayloads payloads = new JsonPayloads(256 * 1024, new ObjectMapper());

    /** Expected strings generated with CPython 3: json.dumps(json.loads(text), sort_keys=True, separators=(",", ":")). */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "{}|{}", "[]|[]", "0|0", "-0.0|-0.0", "true|true", "\"text\"|\"text\"",
        "1.7976931348623157e308|1.7976931348623157e+308", "-1.7976931348623157E+308|-1.7976931348623157e+308",
        "4.9e-324|5e-324", "0e-400|0.0", "0.000e999|0.0", "1e16|1e+16", "100.0|100.0", "1E2|100.0",
        "123456789012345678901234567890|123456789012345678901234567890",
        "{\"a\":[1,2.5,{\"b\":null}]}|{\"a\":[1,2.5,{\"b\":null}]}",
        "{\"emoji\":\"\\ud83d\\ude00 😀\"}|{\"emoji\":\"\\ud83d\\ude00 \\ud83d\\ude00\"}",
        "'  {\"z\": 1, \"padded\": true}  '|{\"padded\":true,\"z\":1}"
    })
    void acceptsEveryJsonValueWithinDoubleRangeAndStoresItsCanonicalForm(String json, String canonical) {
        assertThat(payloads.toJson(json)).as("canonical JSON as CPython writes it").isEqualTo(canonical);
    }

    @Test
    void namesTheFieldNameHoldingANulCharacter() {
        assertThatThrownBy(() -> payloads.toJson("{\"a\\u0000\":1}"))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("U+0000");
    }

    @Test
    void serialisesObjectsAndTreesCompactly() {
        assertThat(payloads.toJson(Map.of("a", List.of(1, "two")))).isEqualTo("{\"a\":[1,\"two\"]}");
        assertThat(payloads.toJson(new ObjectMapper().createObjectNode().put("n", 1.5))).isEqualTo("{\"n\":1.5}");
    }

    @Test
    void floatNaNInAnObjectIsRefusedNotTurnedIntoAString() {
        record Reading(float value) {}
        assertThatThrownBy(() -> payloads.toJson(new Reading(Float.NaN)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("the number NaN at /value");
    }

    @Test
    void syntaxErrorsSayWhereButDoNotQuoteThePayload() {
        assertThatThrownBy(() -> payloads.toJson("{\"card\":\"4111111111111111\", oops}"))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("payload: is not valid JSON: ")
                .hasMessageContaining("line 1, column")
                .hasMessageNotContaining("4111111111111111");
    }

    @Test
    void sizeIsMeasuredOnTheCanonicalBytes() {
        JsonPayloads small = new JsonPayloads(10, new ObjectMapper());
        assertThat(small.toJson("{ \"a\" :  1 }")).as("11 characters, 7 canonical bytes").isEqualTo("{\"a\":1}");
        assertThatThrownBy(() -> small.toJson("{\"a\":1e16}"))
                .as("10 characters, but 11 canonical bytes: {\"a\":1e+16}")
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("payload: is 11 bytes as canonical JSON (what is stored and sent); the limit is 10"
                        + " (Outbox.builder().maxPayloadBytes)");
    }
}
