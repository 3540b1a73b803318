package dev.posthorn.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventFilterTest {

    private static final String EVENT = "{\"created_at\":\"2026-05-01T12:00:00Z\",\"payload\":{\"amount\":250,"
            + "\"customer\":{\"tier\":\"gold\",\"country\":\"NZ\"},\"items\":[{\"sku\":\"a-1\",\"qty\":2},{\"sku\":\"b-2\"}],"
            + "\"price\":12.5,\"status\":\"paid\",\"tags\":[\"vip\",\"new\"],\"note\":null},"
            + "\"topic\":\"invoice.paid\",\"version\":2}";

    private static boolean matches(String filter) {
        return EventFilter.parse(filter).matches(EVENT.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', value = {
        "{\"payload.status\":\"paid\"}                          | true",
        "{\"payload.status\":\"open\"}                          | false",
        "{\"payload.amount\":250.0}                             | true",
        "{\"payload.customer\":{\"country\":\"NZ\",\"tier\":\"gold\"}} | true",
        "{\"payload.customer\":{\"tier\":\"gold\"}}             | false",
        "{\"payload.tags\":\"vip\"}                             | true",
        "{\"payload.tags\":[\"vip\",\"new\"]}                   | true",
        "{\"payload.note\":null}                                | true",
        "{\"payload.absent\":null}                              | false",
        "{\"topic\":\"invoice.paid\",\"version\":2}             | true",
        "{\"payload.items.0.sku\":\"a-1\"}                      | true",
        "{\"payload.items.1.sku\":\"a-1\"}                      | false",
        "{\"payload.items.5.sku\":\"a-1\"}                      | false",
        "{\"payload.customer.tier.x\":\"gold\"}                 | false",
        "{\"payload.status\":{\"$eq\":\"paid\"}}                | true",
        "{\"payload.status\":{\"$ne\":\"paid\"}}                | false",
        "{\"payload.absent\":{\"$ne\":\"paid\"}}                | true",
        "{\"payload.status\":{\"$in\":[\"open\",\"paid\"]}}     | true",
        "{\"payload.status\":{\"$in\":[\"open\"]}}              | false",
        "{\"payload.tags\":{\"$in\":[\"x\",\"new\"]}}           | true",
        "{\"payload.status\":{\"$nin\":[\"open\",\"void\"]}}    | true",
        "{\"payload.status\":{\"$nin\":[\"paid\"]}}             | false",
        "{\"payload.absent\":{\"$nin\":[\"paid\"]}}             | true",
        "{\"payload.note\":{\"$exists\":true}}                  | true",
        "{\"payload.absent\":{\"$exists\":true}}                | false",
        "{\"payload.absent\":{\"$exists\":false}}               | true",
        "{\"payload.items.1.qty\":{\"$exists\":false}}          | true",
        "{\"payload.amount\":{\"$gt\":249}}                     | true",
        "{\"payload.amount\":{\"$gt\":250}}                     | false",
        "{\"payload.amount\":{\"$gte\":250}}                    | true",
        "{\"payload.amount\":{\"$gte\":250.5}}                  | false",
        "{\"payload.price\":{\"$lt\":12.51}}                    | true",
        "{\"payload.price\":{\"$lt\":12.5}}                     | false",
        "{\"payload.price\":{\"$lte\":1.25e1}}                  | true",
        "{\"payload.amount\":{\"$gte\":100,\"$lt\":500}}        | true",
        "{\"payload.amount\":{\"$gte\":100,\"$lt\":200}}        | false",
        "{\"payload.status\":{\"$gt\":\"open\"}}                | true",
        "{\"payload.status\":{\"$lt\":\"open\"}}                | false",
        "{\"payload.status\":{\"$gt\":5}}                       | false",
        "{\"payload.amount\":{\"$gt\":\"1\"}}                   | false",
        "{\"payload.absent\":{\"$lt\":5}}                       | false",
        "{\"created_at\":{\"$gte\":\"2026-05-01T00:00:00Z\"}}   | true",
        "{\"$or\":[{\"payload.status\":\"open\"},{\"payload.amount\":250}]} | true",
        "{\"$or\":[{\"payload.status\":\"open\"},{\"payload.amount\":1}]}   | false",
        "{\"$and\":[{\"payload.status\":\"paid\"},{\"payload.amount\":250}]} | true",
        "{\"$and\":[{\"payload.status\":\"paid\"},{\"payload.amount\":1}]}   | false",
        "{\"$and\":[{\"$or\":[{\"topic\":\"x\"},{\"version\":2}]},{\"payload.customer.tier\":\"gold\"}]} | true",
        "{}                                                     | true",
    })
    void operators(String filter, boolean expected) {
        assertThat(matches(filter)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "[1]                                          | must be a JSON object",
        "{\"payload.status\":                         | is not valid JSON",
        "{\"status\":\"paid\"}                        | path 'status' must start at an envelope field: payload, topic, version or created_at (e.g. payload.status)",
        "{\"payload..status\":1}                      | path 'payload..status' has an empty segment",
        "{\"payload.$x\":1}                           | path 'payload.$x' has a segment starting with $",
        "{\"payload.total\":{\"$regex\":\"a\"}}       | unknown operator $regex at path 'payload.total'",
        "{\"$nor\":[{\"payload.a\":1}]}               | unknown operator $nor at the top of a condition",
        "{\"$or\":[]}                                 | $or must be a non-empty list of conditions",
        "{\"$and\":{\"payload.a\":1}}                 | $and must be a non-empty list of conditions",
        "{\"$or\":[1]}                                | $or must list objects (at $or.0)",
        "{\"$or\":[{\"$and\":[{\"status\":1}]}]}      | path 'status' must start at an envelope field",
        "{\"$or\":[{}]}                               | has an empty condition (at $or.0)",
        "{\"payload.a\":{\"$in\":1}}                  | $in at path 'payload.a' needs a list of values",
        "{\"payload.a\":{\"$nin\":\"x\"}}             | $nin at path 'payload.a' needs a list of values",
        "{\"payload.a\":{\"$gt\":true}}               | $gt at path 'payload.a' needs a number or a string",
        "{\"payload.a\":{\"$lte\":NaN}}               | $lte at path 'payload.a' needs a finite number",
        "{\"payload.a\":{\"$exists\":1}}              | $exists at path 'payload.a' needs true or false",
        "{\"payload.a\":{\"$gt\":1,\"b\":2}}          | path 'payload.a' mixes operators and plain fields",
    })
    void refusesNamingTheOperatorOrPath(String filter, String message) {
        assertThatThrownBy(() -> EventFilter.parse(filter)).isInstanceOf(InvalidFilterException.class)
                .hasMessageContaining(message);
    }

    @Test
    void refusesDeepNestingAndLongText() {
        String deep = "{\"payload.a\":1}";
        for (int i = 0; i < 10; i++) {
            deep = "{\"$and\":[" + deep + "]}";
        }
        String nested = deep;
        assertThatThrownBy(() -> EventFilter.parse(nested)).hasMessageContaining("deeper than 8 levels");
        String longText = "{\"payload.a\":\"" + "x".repeat(EventFilter.MAX_LENGTH) + "\"}";
        assertThatThrownBy(() -> EventFilter.parse(longText)).hasMessageContaining("at most 2048");
    }

    @Test
    void keepsACanonicalFormAndRejectsUnreadableEnvelopes() {
        EventFilter filter = EventFilter.parse("{ \"topic\" : \"a\", \"payload.x\": 1.50 }");
        assertThat(filter.json()).isEqualTo("{\"payload.x\":1.5,\"topic\":\"a\"}");
        assertThat(filter).isEqualTo(EventFilter.parse(filter.json()));
        assertThat(filter.matches("not json".getBytes(StandardCharsets.UTF_8))).isFalse();
    }
}
