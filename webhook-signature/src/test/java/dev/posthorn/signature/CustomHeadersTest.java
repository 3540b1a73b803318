package dev.posthorn.signature;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CustomHeadersTest {

    @Test
    void acceptsTokensWithPrintableValues() {
        assertThat(CustomHeaders.problem(Map.of("X-Tenant", "t1", "Authorization", "Bearer abc.def", "x_odd!", "a b ~")))
                .isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"X-Signature", "x-signature-alg", "X-Signature-Version", "webhook-id", "Webhook-Signature",
        "webhook-anything", "X-Event-Id", "x-topic", "X-Attempt", "X-Payload-Version", "X-Webhook-Subscription",
        "Content-Type", "content-length", "Host", "Transfer-Encoding", "Connection", "User-Agent", "traceparent",
        "X-Posthorn-Recovery"})
    void refusesHeadersPosthornOrHttpOwn(String name) {
        assertThat(CustomHeaders.problem(Map.of(name, "v")))
                .hasValue("header '" + name + "' is set by Posthorn or HTTP and cannot be overridden");
    }

    @Test
    void refusesBadNamesValuesAndTooMany() {
        assertThat(CustomHeaders.problem(Map.of("X Tenant", "v"))).get().asString()
                .startsWith("header 'X Tenant' is not a valid HTTP header name");
        assertThat(CustomHeaders.problem(Map.of("X-Ünicode", "v"))).get().asString()
                .startsWith("header 'X-?nicode' is not a valid HTTP header name");
        assertThat(CustomHeaders.problem(Map.of("", "v"))).hasValue("header names must be 1 to 64 characters long");
        assertThat(CustomHeaders.problem(Map.of("X-Tenant", "a\r\nInjected: yes"))).hasValue(
                "header 'X-Tenant' value must be printable ASCII (found a character outside it at index 1)");
        assertThat(CustomHeaders.problem(Map.of("X-Tenant", "é"))).get().asString().contains("printable ASCII");
        assertThat(CustomHeaders.problem(Map.of("X-Tenant", "x".repeat(513)))).get().asString()
                .contains("longer than 512");
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < 17; i++) {
            many.put("X-H" + i, "v");
        }
        assertThat(CustomHeaders.problem(many)).hasValue("at most 16 headers, got 17");
    }
}
