package dev.posthorn.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.relay.ChangeMapper.Change;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/** The mapping from Debezium change structs (shaped as the Postgres connector emits them) to Kafka records. */
class ChangeMapperTest {

    private static final String EVENT_ID = "0b7e4e8e-6f4b-4b8a-9a55-3f6f1c2d9e10";

    private static final Schema SOURCE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
            .field("schema", Schema.STRING_SCHEMA).field("table", Schema.STRING_SCHEMA).build();
    private static final Schema OUTBOX_ROW = SchemaBuilder.struct().optional()
            .field("id", Schema.STRING_SCHEMA)
            .field("aggregatetype", Schema.STRING_SCHEMA)
            .field("aggregateid", Schema.OPTIONAL_STRING_SCHEMA)
            .field("type", Schema.STRING_SCHEMA)
            .field("payload", Schema.OPTIONAL_STRING_SCHEMA)
            .field("payload_version", Schema.INT32_SCHEMA)
            .field("created_at", Schema.STRING_SCHEMA)
            .field("traceparent", Schema.OPTIONAL_STRING_SCHEMA)
            .build();
    private static final Schema SUBSCRIPTION_ROW = SchemaBuilder.struct().optional()
            .field("id", Schema.STRING_SCHEMA)
            .field("topic", Schema.STRING_SCHEMA)
            .field("url", Schema.STRING_SCHEMA)
            .field("secret", Schema.STRING_SCHEMA)
            .field("previous_secret", Schema.OPTIONAL_STRING_SCHEMA)
            .field("previous_secret_expires_at", Schema.OPTIONAL_STRING_SCHEMA)
            .field("enabled", Schema.BOOLEAN_SCHEMA)
            .field("disabled_reason", Schema.OPTIONAL_STRING_SCHEMA)
            .field("strict_order", Schema.BOOLEAN_SCHEMA)
            .field("created_at", Schema.STRING_SCHEMA)
            .field("updated_at", Schema.STRING_SCHEMA)
            .build();
    /** The table with the delivery-option columns (installs since they exist); the one above is an older install's. */
    private static final Schema SUBSCRIPTION_ROW_WITH_OPTIONS = SchemaBuilder.struct().optional()
            .field("id", Schema.STRING_SCHEMA)
            .field("topic", Schema.STRING_SCHEMA)
            .field("url", Schema.STRING_SCHEMA)
            .field("secret", Schema.STRING_SCHEMA)
            .field("enabled", Schema.BOOLEAN_SCHEMA)
            .field("strict_order", Schema.BOOLEAN_SCHEMA)
            .field("updated_at", Schema.STRING_SCHEMA)
            .field("payload_filter", Schema.OPTIONAL_STRING_SCHEMA)
            .field("custom_headers", Schema.OPTIONAL_STRING_SCHEMA)
            .field("rate_limit", Schema.OPTIONAL_INT32_SCHEMA)
            .field("signing", Schema.OPTIONAL_STRING_SCHEMA)
            .field("signing_key", Schema.OPTIONAL_STRING_SCHEMA)
            .field("previous_signing_key", Schema.OPTIONAL_STRING_SCHEMA)
            .field("signing_public_key", Schema.OPTIONAL_STRING_SCHEMA)
            .build();

    private final ChangeMapper mapper = new ChangeMapper("app", "p.events", "p.subscriptions", "p.relay-dlq");

    private static SourceRecord change(String table, String op, Schema rowSchema, Struct before, Struct after) {
        Schema envelope = SchemaBuilder.struct().name("envelope")
                .field("before", rowSchema).field("after", rowSchema)
                .field("source", SOURCE).field("op", Schema.STRING_SCHEMA).build();
        Struct value = new Struct(envelope).put("before", before).put("after", after)
                .put("source", new Struct(SOURCE).put("schema", "app").put("table", table)).put("op", op);
        Schema keySchema = SchemaBuilder.struct().field("id", Schema.STRING_SCHEMA).build();
        Struct row = after != null ? after : before;
        Struct key = new Struct(keySchema).put("id", row.getString("id"));
        return new SourceRecord(Map.of(), Map.of(), "posthorn.app." + table, keySchema, key, envelope, value);
    }

    private static Struct outboxRow(String aggregateId, String type, String payload) {
        return new Struct(OUTBOX_ROW).put("id", EVENT_ID).put("aggregatetype", "invoice").put("aggregateid", aggregateId)
                .put("type", type).put("payload", payload).put("payload_version", 3)
                .put("created_at", "2026-11-29T10:00:00.120000Z").put("traceparent", null);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    private static String header(ProducerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : text(h.value());
    }

    @Test
    void anOutboxInsertBecomesTheCanonicalEnvelopeKeyedByAggregate() {
        Struct row = outboxRow("inv-42", "invoice.created", "{ \"z\": 1.50, \"a\": \"h\u00e9\", \"n\": [1, 2e3] }")
                .put("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        Change change = mapper.map(change("posthorn_outbox", "c", OUTBOX_ROW, null, row));

        assertThat(change).isInstanceOf(Change.Event.class);
        ProducerRecord<byte[], byte[]> record = ((Change.Event) change).record();
        assertThat(record.topic()).isEqualTo("p.events");
        assertThat(text(record.key())).isEqualTo("inv-42");
        assertThat(text(record.value())).isEqualTo("{\"created_at\":\"2026-11-29T10:00:00.120Z\",\"payload\":"
                + "{\"a\":\"h\\u00e9\",\"n\":[1,2000.0],\"z\":1.5},\"topic\":\"invoice.created\",\"version\":3}");
        assertThat(header(record, "posthorn.event_id")).isEqualTo(EVENT_ID);
        assertThat(header(record, "posthorn.topic")).isEqualTo("invoice.created");
        assertThat(header(record, "posthorn.payload_version")).isEqualTo("3");
        assertThat(header(record, "posthorn.created_at")).isEqualTo("2026-11-29T10:00:00.120Z");
        assertThat(header(record, "traceparent")).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assertThat(((Change.Event) change).createdAt()).isEqualTo(Instant.parse("2026-11-29T10:00:00.12Z"));
    }

    @Test
    void noTraceparentHeaderWithoutATraceparent() {
        Change change = mapper.map(change("posthorn_outbox", "c", OUTBOX_ROW, null, outboxRow("k", "a.b", "{}")));
        assertThat(((Change.Event) change).record().headers().lastHeader("traceparent")).isNull();
    }

    @Test
    void outboxUpdatesAndDeletesAreNotEvents() {
        Struct row = outboxRow("k", "a.b", "{}");
        assertThat(mapper.map(change("posthorn_outbox", "d", OUTBOX_ROW, row, null)))
                .isEqualTo(new Change.Ignored(Change.Kind.OUTBOX_DELETE, EVENT_ID));
        assertThat(mapper.map(change("posthorn_outbox", "u", OUTBOX_ROW, null, row)))
                .isEqualTo(new Change.Ignored(Change.Kind.OUTBOX_UPDATE, EVENT_ID));
    }

    @Test
    void malformedRowsGoToTheDeadLetterTopicWithTheirReason() {
        record Case(Struct row, String reason) {}
        for (Case c : new Case[] {
                new Case(outboxRow(null, "a.b", "{}"), "aggregateid is null or blank"),
                new Case(outboxRow(" ", "a.b", "{}"), "aggregateid is null or blank"),
                new Case(outboxRow("k", "a.b", "\"text\""), "payload is a JSON string, not an object"),
                new Case(outboxRow("k", "a.b", "42"), "payload is a JSON number, not an object"),
                new Case(outboxRow("k", "a.b", null), "payload is null"),
                new Case(outboxRow("k", "A.B", "{}"), "type is not an event topic: A.B"),
                new Case(outboxRow("k", "a..b", "{}"), "type is not an event topic: a..b"),
                new Case(outboxRow("k", "a.b", "{}").put("id", "nope"), "id is not a UUID: nope")}) {
            Change change = mapper.map(change("posthorn_outbox", "c", OUTBOX_ROW, null, c.row()));
            assertThat(change).as(c.reason()).isInstanceOf(Change.Malformed.class);
            Change.Malformed malformed = (Change.Malformed) change;
            assertThat(malformed.reason()).isEqualTo(c.reason());
            assertThat(malformed.record().topic()).isEqualTo("p.relay-dlq");
            assertThat(header(malformed.record(), "posthorn.malformed")).isEqualTo(c.reason());
            assertThat(text(malformed.record().value())).contains("\"reason\":").contains("\"row\":{\"id\":");
        }
        Change.Malformed unparsable = (Change.Malformed) mapper.map(
                change("posthorn_outbox", "c", OUTBOX_ROW, null, outboxRow("k", "a.b", "{broken")));
        assertThat(unparsable.reason()).startsWith("payload is not valid JSON");
    }

    @Test
    void subscriptionsBecomeContractJsonAndDeletesTombstones() {
        Struct row = new Struct(SUBSCRIPTION_ROW).put("id", EVENT_ID).put("topic", "invoice.*")
                .put("url", "https://example.test/h").put("secret", "v1:abc").put("previous_secret", null)
                .put("previous_secret_expires_at", null).put("enabled", true).put("disabled_reason", null)
                .put("strict_order", false).put("created_at", "2026-11-29T09:00:00Z")
                .put("updated_at", "2026-11-29T10:00:00.5Z");
        Change change = mapper.map(change("posthorn_subscriptions", "c", SUBSCRIPTION_ROW, null, row));
        ProducerRecord<byte[], byte[]> record = ((Change.Subscription) change).record();
        assertThat(record.topic()).isEqualTo("p.subscriptions");
        assertThat(text(record.key())).isEqualTo(EVENT_ID);
        assertThat(text(record.value())).isEqualTo("{\"id\":\"" + EVENT_ID + "\",\"topic\":\"invoice.*\","
                + "\"url\":\"https://example.test/h\",\"secret\":\"v1:abc\",\"previous_secret\":null,"
                + "\"previous_secret_expires_at\":null,\"enabled\":true,\"disabled_reason\":null,\"strict_order\":false,"
                + "\"updated_at\":\"2026-11-29T10:00:00.500Z\"}");

        Change deleted = mapper.map(change("posthorn_subscriptions", "d", SUBSCRIPTION_ROW, row, null));
        assertThat(((Change.Subscription) deleted).record().value()).isNull();
        assertThat(text(((Change.Subscription) deleted).record().key())).isEqualTo(EVENT_ID);
    }

    @Test
    void subscriptionOptionsTravelAsJsonAndAreLeftOutWhenUnset() {
        Struct row = new Struct(SUBSCRIPTION_ROW_WITH_OPTIONS).put("id", EVENT_ID).put("topic", "invoice.*")
                .put("url", "https://example.test/h").put("secret", "v2:abc").put("enabled", true)
                .put("strict_order", false).put("updated_at", "2026-11-29T10:00:00Z")
                .put("payload_filter", "{\"payload.total\": {\"$gte\": 1.50}}")
                .put("custom_headers", "v2:sealed").put("rate_limit", 50)
                .put("signing", "both").put("signing_key", "v2:key").put("previous_signing_key", "v2:old")
                .put("signing_public_key", "whpk_x");
        String value = text(((Change.Subscription) mapper.map(
                change("posthorn_subscriptions", "u", SUBSCRIPTION_ROW_WITH_OPTIONS, null, row))).record().value());
        assertThat(value).endsWith("\"updated_at\":\"2026-11-29T10:00:00Z\",\"filter\":{\"payload.total\":{\"$gte\":1.5}},"
                + "\"headers\":\"v2:sealed\",\"rate_limit\":50,\"signing\":\"both\",\"signing_key\":\"v2:key\","
                + "\"previous_signing_key\":\"v2:old\"}");

        row.put("payload_filter", null).put("custom_headers", null).put("rate_limit", null).put("signing", null)
                .put("signing_key", null).put("previous_signing_key", null).put("signing_public_key", null);
        String unset = text(((Change.Subscription) mapper.map(
                change("posthorn_subscriptions", "u", SUBSCRIPTION_ROW_WITH_OPTIONS, null, row))).record().value());
        assertThat(unset).endsWith("\"updated_at\":\"2026-11-29T10:00:00Z\"}");

        row.put("payload_filter", "{broken");
        String broken = text(((Change.Subscription) mapper.map(
                change("posthorn_subscriptions", "u", SUBSCRIPTION_ROW_WITH_OPTIONS, null, row))).record().value());
        assertThat(broken).as("passed on as a string for the consumer to refuse").endsWith("\"filter\":\"{broken\"}");
    }

    @Test
    void heartbeatsAndOtherSchemasAreIgnored() {
        SourceRecord heartbeat = new SourceRecord(Map.of(), Map.of(), "__debezium-heartbeat.posthorn",
                SchemaBuilder.struct().field("ts_ms", Schema.INT64_SCHEMA).build(),
                new Struct(SchemaBuilder.struct().field("ts_ms", Schema.INT64_SCHEMA).build()).put("ts_ms", 1L));
        assertThat(mapper.map(heartbeat)).isInstanceOf(Change.Ignored.class);
        ChangeMapper otherSchema = new ChangeMapper("other", "p.events", "p.subscriptions", "p.relay-dlq");
        assertThat(otherSchema.map(change("posthorn_outbox", "c", OUTBOX_ROW, null, outboxRow("k", "a.b", "{}"))))
                .isEqualTo(new Change.Ignored(Change.Kind.OTHER, "app.posthorn_outbox"));
    }

    @Test
    void traceparentsThatAreNotW3cAreNamed() {
        assertThat(ChangeMapper.traceparentProblem("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")).isEmpty();
        assertThat(ChangeMapper.traceparentProblem("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future"))
                .as("a later version may append fields").isEmpty();
        assertThat(ChangeMapper.traceparentProblem("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")).isPresent();
        assertThat(ChangeMapper.traceparentProblem("00-not-a-trace\r\nX-Evil: 1")).isPresent();
        assertThat(ChangeMapper.traceparentProblem("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")).isPresent();
        assertThat(ChangeMapper.traceparentProblem("00-00000000000000000000000000000000-00f067aa0ba902b7-01")).isPresent();
        assertThat(ChangeMapper.traceparentProblem("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")).isPresent();
        assertThat(ChangeMapper.traceparentProblem("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x"))
                .as("version 00 has no extra fields").isPresent();
    }

    @Test
    void onlyRecordsKafkaCanNeverTakeAreRefusedForGood() {
        assertThat(KafkaChangeConsumer.refusedForGood(new org.apache.kafka.common.errors.RecordTooLargeException("big"))).isTrue();
        assertThat(KafkaChangeConsumer.refusedForGood(new org.apache.kafka.common.InvalidRecordException("bad"))).isTrue();
        assertThat(KafkaChangeConsumer.refusedForGood(new org.apache.kafka.common.errors.TimeoutException("slow"))).isFalse();
        assertThat(KafkaChangeConsumer.refusedForGood(new org.apache.kafka.common.errors.NotEnoughReplicasException("isr")))
                .isFalse();
        assertThat(KafkaChangeConsumer.refusedForGood(new org.apache.kafka.common.errors.TopicAuthorizationException("acl")))
                .isFalse();
    }

    private static final Schema MESSAGE = SchemaBuilder.struct()
            .field("prefix", Schema.STRING_SCHEMA).field("content", Schema.OPTIONAL_BYTES_SCHEMA).build();
    private static final Schema MESSAGE_SOURCE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
            .field("schema", Schema.OPTIONAL_STRING_SCHEMA).field("table", Schema.OPTIONAL_STRING_SCHEMA).build();

    /** A logical decoding message as the Postgres connector emits it: op "m", no table. */
    private static SourceRecord message(String prefix, String content) {
        Schema envelope = SchemaBuilder.struct().name("message-envelope")
                .field("op", Schema.STRING_SCHEMA).field("source", MESSAGE_SOURCE).field("message", MESSAGE).build();
        Struct value = new Struct(envelope).put("op", "m").put("source", new Struct(MESSAGE_SOURCE))
                .put("message", new Struct(MESSAGE).put("prefix", prefix)
                        .put("content", content == null ? null : content.getBytes(StandardCharsets.UTF_8)));
        return new SourceRecord(Map.of(), Map.of(), "posthorn.message", null, null, envelope, value);
    }

    @Test
    void anOutboxMessageBecomesTheSameRecordAsTheRowWouldHave() {
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        Struct row = outboxRow("inv-42", "invoice.created", "{\"z\":1.5,\"a\":\"h\u00e9\",\"n\":[1,2e3]}")
                .put("traceparent", traceparent);
        String content = "{\"id\":\"" + EVENT_ID + "\",\"aggregatetype\":\"invoice\",\"aggregateid\":\"inv-42\","
                + "\"type\":\"invoice.created\",\"payload\":{\"z\":1.5,\"a\":\"h\u00e9\",\"n\":[1,2e3]},"
                + "\"payload_version\":3,\"created_at\":\"2026-11-29T10:00:00.120000Z\",\"traceparent\":\"" + traceparent + "\"}";

        Change fromRow = mapper.map(change("posthorn_outbox", "c", OUTBOX_ROW, null, row));
        Change fromMessage = mapper.map(message("app.posthorn_outbox", content));

        assertThat(fromMessage).isInstanceOf(Change.Event.class);
        ProducerRecord<byte[], byte[]> expected = ((Change.Event) fromRow).record();
        ProducerRecord<byte[], byte[]> actual = ((Change.Event) fromMessage).record();
        assertThat(actual.topic()).isEqualTo(expected.topic());
        assertThat(text(actual.key())).isEqualTo("inv-42");
        assertThat(text(actual.value())).isEqualTo(text(expected.value()));
        for (String name : new String[] {"posthorn.event_id", "posthorn.topic", "posthorn.payload_version",
                "posthorn.created_at", "traceparent"}) {
            assertThat(header(actual, name)).as(name).isEqualTo(header(expected, name)).isNotNull();
        }
    }

    @Test
    void otherPrefixesAreNotEvents() {
        String content = "{\"id\":\"" + EVENT_ID + "\"}";
        assertThat(mapper.map(message("other.posthorn_outbox", content))).isInstanceOf(Change.Ignored.class);
        assertThat(mapper.map(message("app.posthorn_outbox.x", content))).isInstanceOf(Change.Ignored.class);
    }

    @Test
    void aBrokenOutboxMessageGoesToTheRelayDlqWithItsReason() {
        Change notJson = mapper.map(message("app.posthorn_outbox", "{\"id\":"));
        assertThat(notJson).isInstanceOf(Change.Malformed.class);
        assertThat(((Change.Malformed) notJson).reason()).startsWith("outbox message is not valid JSON");
        assertThat(((Change.Malformed) notJson).record().topic()).isEqualTo("p.relay-dlq");

        String noVersion = "{\"id\":\"" + EVENT_ID + "\",\"aggregateid\":\"k\",\"type\":\"a.b\",\"payload\":{},"
                + "\"created_at\":\"2026-11-29T10:00:00Z\"}";
        Change missing = mapper.map(message("app.posthorn_outbox", noVersion));
        assertThat(missing).isInstanceOf(Change.Malformed.class);
        assertThat(((Change.Malformed) missing).reason()).startsWith("payload_version is null");
        assertThat(((Change.Malformed) missing).eventId()).isEqualTo(EVENT_ID);

        String arrayPayload = noVersion.replace("\"payload\":{}", "\"payload\":[1],\"payload_version\":1");
        Change array = mapper.map(message("app.posthorn_outbox", arrayPayload));
        assertThat(((Change.Malformed) array).reason()).isEqualTo("payload is a JSON array, not an object");
        assertThat(text(((Change.Malformed) array).record().value())).contains("\"payload\":\"[1]\"");
    }
}
