package dev.posthorn.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The payload rules without a database; the refusals against Postgres are in {@link PublishRefusalTest}. */
class JsonPayloadsTest {

    private final JsonPayloads payloads = new JsonPayloads(256 * 1024, new ObjectMapper());

    @ParameterizedTest
    @ValueSource(strings = {
        "{}", "[]", "0", "-0.0", "true", "\"text\"", "1.7976931348623157e308", "-1.7976931348623157E+308",
        "4.9e-324", "0e-400", "0.000e999", "123456789012345678901234567890", "{\"a\":[1,2.5,{\"b\":null}]}",
        "{\"emoji\":\"\\ud83d\\ude00 😀\"}", "  {\"padded\": true}  "
    })
    void acceptsEveryJsonValueWithinDoubleRange(String json) {
        assertThat(payloads.toJson(json)).as("JSON text is passed on as given").isEqualTo(json);
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
    void sizeIsCheckedBeforeParsing() {
        JsonPayloads small = new JsonPayloads(10, new ObjectMapper());
        assertThatThrownBy(() -> small.toJson("{\"a\": \"" + "x".repeat(100)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("the limit is 10");
    }

    @Test
    void utf8LengthCountsBytesNotCharacters() {
        assertThat(Utf8.length("aé€😀")).isEqualTo(1 + 2 + 3 + 4);
        assertThat(Utf8.length("é€😀")).isEqualTo("é€😀".getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }
}
