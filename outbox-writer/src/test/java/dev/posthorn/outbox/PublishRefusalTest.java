package dev.posthorn.outbox;

import static dev.posthorn.outbox.Fixtures.count;
import static dev.posthorn.outbox.Fixtures.installed;
import static dev.posthorn.outbox.Fixtures.outboxIn;
import static dev.posthorn.outbox.Fixtures.outboxRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.math.BigDecimal;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every refused input: the exception names the field, and nothing was written. Rows are kept
 * ({@link RowRetention#KEEP}) so that a written row would show. After each refusal the same
 * transaction publishes a valid event and commits, proving the refusal left it usable.
 */
@PosthornIntegrationTest
class PublishRefusalTest {

    private static final String VALID_TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    static Stream<Arguments> refusedEvents() {
        return Stream.of(
                refused("blank topic", OutboxEvent.of("  ", "k", "{}"), "topic", "must not be blank"),
                refused("null topic", OutboxEvent.of(null, "k", "{}"), "topic", "must not be blank"),
                refused("uppercase topic", OutboxEvent.of("Invoice.Created", "k", "{}"), "topic", "does not match"),
                refused("empty segment", OutboxEvent.of("invoice..created", "k", "{}"), "topic", "does not match"),
                refused("trailing dot", OutboxEvent.of("invoice.", "k", "{}"), "topic", "does not match"),
                refused("wildcard as event topic", OutboxEvent.of("invoice.*", "k", "{}"), "topic", "does not match"),
                refused("topic too long", OutboxEvent.of("a".repeat(250), "k", "{}"), "topic", "at most 249"),
                refused("null key", OutboxEvent.of("invoice.created", null, "{}"), "key", "must not be blank"),
                refused("blank key", OutboxEvent.of("invoice.created", " \t", "{}"), "key", "must not be blank"),
                refused("NUL in key", OutboxEvent.of("invoice.created", "a\0b", "{}"), "key", "U+0000"),
                refused("null payload", OutboxEvent.of("invoice.created", "k", null), "payload", "must not be null"),
                refused("truncated JSON", OutboxEvent.of("invoice.created", "k", "{\"a\":"), "payload", "is not valid JSON"),
                refused("not JSON", OutboxEvent.of("invoice.created", "k", "hello"), "payload", "is not valid JSON"),
                refused("empty text", OutboxEvent.of("invoice.created", "k", ""), "payload", "it is empty"),
                refused("two values", OutboxEvent.of("invoice.created", "k", "{} {}"), "payload", "more after the first JSON value"),
                refused("JSON null", OutboxEvent.of("invoice.created", "k", "null"), "payload", "is JSON null"),
                refused("NaN literal", OutboxEvent.of("invoice.created", "k", "{\"a\":NaN}"), "payload", "the number NaN at /a"),
                refused("Infinity literal", OutboxEvent.of("invoice.created", "k", "[Infinity]"), "payload", "the number Infinity"),
                refused("-Infinity literal", OutboxEvent.of("invoice.created", "k", "{\"a\":{\"b\":-Infinity}}"), "payload", "-Infinity at /a/b"),
                refused("1e400", OutboxEvent.of("invoice.created", "k", "{\"amount\":1e400}"), "payload", "beyond the range of a double"),
                refused("-1e400", OutboxEvent.of("invoice.created", "k", "-1e400"), "payload", "beyond the range of a double"),
                refused("huge integer", OutboxEvent.of("invoice.created", "k", "{\"n\":1" + "0".repeat(400) + "}"), "payload", "beyond the range"),
                refused("1e-400", OutboxEvent.of("invoice.created", "k", "{\"tiny\":1e-400}"), "payload", "too small for a double"),
                refused("double NaN in an object", OutboxEvent.of("invoice.created", "k", Map.of("ratio", Double.NaN)), "payload", "the number NaN at /ratio"),
                refused("JsonNode Infinity", OutboxEvent.of("invoice.created", "k",
                        JsonNodeFactory.instance.objectNode().set("x", DoubleNode.valueOf(Double.POSITIVE_INFINITY))), "payload", "Infinity at /x"),
                refused("JsonNode 1e400", OutboxEvent.of("invoice.created", "k", DecimalNode.valueOf(new BigDecimal("1e400"))),
                        "payload", "beyond the range of a double"),
                refused("NUL in a string", OutboxEvent.of("invoice.created", "k", "{\"a\":\"x\\u0000y\"}"), "payload", "U+0000 in a string at /a"),
                refused("lone surrogate", OutboxEvent.of("invoice.created", "k", Map.of("a", "\uD800")), "payload", "unpaired UTF-16 surrogate"),
                refused("unserialisable object", OutboxEvent.of("invoice.created", "k", new Object()), "payload", "cannot be serialised to JSON"),
                refused("malformed traceparent", OutboxEvent.of("invoice.created", "k", "{}").withTraceparent("00-abc-def-01"), "traceparent", "W3C trace context"),
                refused("uppercase traceparent", OutboxEvent.of("invoice.created", "k", "{}").withTraceparent(VALID_TRACE.toUpperCase()), "traceparent", "W3C"),
                refused("traceparent version 01", OutboxEvent.of("invoice.created", "k", "{}").withTraceparent("01" + VALID_TRACE.substring(2)), "traceparent", "W3C"),
                refused("empty traceparent", OutboxEvent.of("invoice.created", "k", "{}").withTraceparent(""), "traceparent", "W3C"),
                refused("zero trace id", OutboxEvent.of("invoice.created", "k", "{}")
                        .withTraceparent("00-" + "0".repeat(32) + "-00f067aa0ba902b7-01"), "traceparent", "all-zero trace id"),
                refused("zero parent id", OutboxEvent.of("invoice.created", "k", "{}")
                        .withTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-" + "0".repeat(16) + "-01"), "traceparent", "all-zero parent id"),
                refused("payload version 0", OutboxEvent.of("invoice.created", "k", "{}").withPayloadVersion(0), "payloadVersion", "at least 1"));
    }

    private static Arguments refused(String name, OutboxEvent event, String field, String message) {
        return Arguments.of(name, event, field, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedEvents")
    void refusesBeforeWritingAndLeavesTheTransactionUsable(String name, OutboxEvent event, String field, String message,
            TestScope scope) throws Exception {
        Outbox outbox = installed(scope, outboxIn(scope).retention(RowRetention.KEEP));
        try (Connection connection = scope.connect()) {
            connection.setAutoCommit(false);

            InvalidEventException refusal = catchThrowableOfType(InvalidEventException.class,
                    () -> outbox.publish(connection, event));

            assertThat(refusal).as(name).isNotNull();
            assertThat(refusal.field()).isEqualTo(field);
            assertThat(refusal).hasMessageStartingWith(field + ": ").hasMessageContaining(message);
            assertThat(refusal.eventIndex()).isEmpty();
            assertThat(count(connection, "posthorn_outbox")).as("no row written").isZero();

            outbox.publish(connection, "after.refusal", "k", "{}");
            connection.commit();
        }
        assertThat(outboxRows(scope)).as("only the valid event after the refusal").isEqualTo(1);
    }

    @Test
    void refusesPayloadOverTheLimitMeasuredInCanonicalBytes(TestScope scope) throws Exception {
        Outbox outbox = installed(scope, outboxIn(scope).retention(RowRetention.KEEP).maxPayloadBytes(64));
        String fitsInChars = "{\"a\":\"" + "é".repeat(30) + "\"}"; // 38 characters, 188 canonical bytes (\u00e9 each)
        String fitsInBytes = "{\"a\":\"" + "e".repeat(56) + "\"}"; // exactly 64 bytes
        try (Connection connection = scope.connect()) {
            connection.setAutoCommit(false);
            InvalidEventException refusal = catchThrowableOfType(InvalidEventException.class,
                    () -> outbox.publish(connection, "invoice.created", "k", fitsInChars));
            assertThat(refusal.field()).isEqualTo("payload");
            assertThat(refusal).hasMessage("payload: is 188 bytes as canonical JSON (what is stored and sent); the limit is 64"
                    + " (Outbox.builder().maxPayloadBytes)");
            assertThat(count(connection, "posthorn_outbox")).isZero();

            outbox.publish(connection, "invoice.created", "k", fitsInBytes);
            connection.commit();
        }
        assertThat(outboxRows(scope)).isEqualTo(1);
    }

    @Test
    void defaultLimitIs256KiB(TestScope scope) throws Exception {
        Outbox outbox = installed(scope, outboxIn(scope).retention(RowRetention.KEEP));
        String over = "\"" + "x".repeat(256 * 1024 - 1) + "\""; // 256 KiB + 1 byte
        try (Connection connection = scope.connect()) {
            connection.setAutoCommit(false);
            assertThat(catchThrowableOfType(InvalidEventException.class,
                    () -> outbox.publish(connection, "invoice.created", "k", over)))
                    .hasMessageContaining("is 262145 bytes").hasMessageContaining("limit is 262144");
            assertThat(count(connection, "posthorn_outbox")).isZero();
        }
    }

    @Test
    void refusesAutoCommitConnectionsAndSaysWhy(TestScope scope) throws Exception {
        Outbox outbox = installed(scope, outboxIn(scope).retention(RowRetention.KEEP));
        try (Connection connection = scope.connect()) {
            assertThat(connection.getAutoCommit()).isTrue();

            InvalidEventException single = catchThrowableOfType(InvalidEventException.class,
                    () -> outbox.publish(connection, "invoice.created", "k", "{}"));
            InvalidEventException batch = catchThrowableOfType(InvalidEventException.class,
                    () -> outbox.publishAll(connection, List.of(OutboxEvent.of("invoice.created", "k", "{}"))));

            for (InvalidEventException refusal : List.of(single, batch)) {
                assertThat(refusal.field()).isEqualTo("connection");
                assertThat(refusal).hasMessageContaining(
                        "publish must run inside your transaction: call connection.setAutoCommit(false) first");
                assertThat(refusal).hasMessageContaining("even if your business change later rolls back");
            }
        }
        assertThat(outboxRows(scope)).isZero();
    }

    @Test
    void batchWithABadThirdEventWritesNoneOfTheFirstTwo(TestScope scope) throws Exception {
        Outbox outbox = installed(scope, outboxIn(scope).retention(RowRetention.KEEP));
        List<OutboxEvent> events = List.of(
                OutboxEvent.of("invoice.created", "inv-1", "{}"),
                OutboxEvent.of("invoice.paid", "inv-1", "{}"),
                OutboxEvent.of("invoice.refunded", "inv-1", "{\"amount\":1e400}"),
                OutboxEvent.of("invoice.closed", "inv-1", "{}"));
        try (Connection connection = scope.connect()) {
            connection.setAutoCommit(false);

            InvalidEventException refusal = catchThrowableOfType(InvalidEventException.class,
                    () -> outbox.publishAll(connection, events));

            assertThat(refusal.field()).isEqualTo("payload");
            assertThat(refusal.eventIndex()).hasValue(2);
            assertThat(refusal).hasMessageStartingWith("events[2].payload: has a number at /amount beyond the range");
            assertThat(count(connection, "posthorn_outbox")).as("nothing from events 0 and 1").isZero();
            connection.commit();
        }
        assertThat(outboxRows(scope)).isZero();
    }

    @Test
    void batchRefusesNullListAndNullElements(TestScope scope) throws Exception {
        Outbox outbox = installed(scope, outboxIn(scope).retention(RowRetention.KEEP));
        List<OutboxEvent> withNull = new ArrayList<>(Arrays.asList(OutboxEvent.of("invoice.created", "k", "{}"), null));
        try (Connection connection = scope.connect()) {
            connection.setAutoCommit(false);
            assertThat(catchThrowableOfType(InvalidEventException.class, () -> outbox.publishAll(connection, null)))
                    .hasMessage("events: must not be null");
            InvalidEventException nullElement = catchThrowableOfType(InvalidEventException.class,
                    () -> outbox.publishAll(connection, withNull));
            assertThat(nullElement).hasMessage("events[1].event: must not be null");
            assertThat(nullElement.eventIndex()).hasValue(1);
            assertThat(catchThrowableOfType(InvalidEventException.class, () -> outbox.publish(connection, null)))
                    .hasMessage("event: must not be null");
            assertThat(count(connection, "posthorn_outbox")).isZero();
        }
    }
}
