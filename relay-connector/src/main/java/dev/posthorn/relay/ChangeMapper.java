package dev.posthorn.relay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.posthorn.signature.CanonicalJson;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Turns one Debezium change of the outbox or subscriptions table into what the relay writes to Kafka.
 * Pure: no I/O, no clock, no logging; the caller decides what to log about each {@link Change}.
 */
final class ChangeMapper {

    static final String OUTBOX_TABLE = "posthorn_outbox";
    static final String SUBSCRIPTIONS_TABLE = "posthorn_subscriptions";

    static final String HEADER_EVENT_ID = "posthorn.event_id";
    static final String HEADER_TOPIC = "posthorn.topic";
    static final String HEADER_PAYLOAD_VERSION = "posthorn.payload_version";
    static final String HEADER_CREATED_AT = "posthorn.created_at";
    static final String HEADER_TRACEPARENT = "traceparent";
    static final String HEADER_MALFORMED = "posthorn.malformed";

    /** Event topic as internal-contracts.md fixes it. */
    static final Pattern EVENT_TOPIC = Pattern.compile("^[a-z0-9][a-z0-9_-]*(\\.[a-z0-9][a-z0-9_-]*)*$");
    private static final int MAX_TOPIC_LENGTH = 249;
    /** What Debezium puts in a column whose unchanged TOASTed value was not sent. */
    private static final String UNAVAILABLE = "__debezium_unavailable_value";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String schema;
    private final String eventsTopic;
    private final String subscriptionsTopic;
    private final String relayDlqTopic;

    ChangeMapper(String schema, String eventsTopic, String subscriptionsTopic, String relayDlqTopic) {
        this.schema = schema;
        this.eventsTopic = eventsTopic;
        this.subscriptionsTopic = subscriptionsTopic;
        this.relayDlqTopic = relayDlqTopic;
    }

    /** What one change becomes. */
    sealed interface Change {
        /** An outbox INSERT: one record for {@code <prefix>.events}. */
        record Event(String eventId, Instant createdAt, ProducerRecord<byte[], byte[]> record) implements Change {}

        /** A subscriptions INSERT/UPDATE (record) or DELETE (tombstone). */
        record Subscription(String subscriptionId, ProducerRecord<byte[], byte[]> record) implements Change {}

        /** An outbox INSERT that cannot become an event: one record for {@code <prefix>.relay-dlq}. */
        record Malformed(String eventId, String reason, ProducerRecord<byte[], byte[]> record) implements Change {}

        /** Not relayed. {@code kind} says why, for the caller's log. */
        record Ignored(Kind kind, String detail) implements Change {}

        enum Kind {
            /** Heartbeats, logical decoding messages, transaction markers: positions only. */
            CONTROL,
            /** A DELETE on the outbox: normal, the default row retention deletes in the same transaction. */
            OUTBOX_DELETE,
            /** An UPDATE on the outbox: outbox rows are immutable; worth a warning. */
            OUTBOX_UPDATE,
            /** A subscriptions change whose row arrived incomplete; needs an operator. */
            UNREADABLE_SUBSCRIPTION,
            /** A TRUNCATE, or a table the relay does not know. */
            OTHER
        }
    }

    Change map(SourceRecord sourceRecord) {
        if (!(sourceRecord.value() instanceof Struct value) || value.schema().field("op") == null) {
            return new Change.Ignored(Change.Kind.CONTROL, sourceRecord.topic());
        }
        String op = value.getString("op");
        Struct source = value.schema().field("source") != null ? value.getStruct("source") : null;
        String table = source != null && source.schema().field("table") != null ? source.getString("table") : null;
        String recordSchema = source != null && source.schema().field("schema") != null ? source.getString("schema") : null;
        if (table == null || "m".equals(op)) {
            return new Change.Ignored(Change.Kind.CONTROL, "op " + op);
        }
        if (recordSchema != null && !recordSchema.equals(schema)) {
            return new Change.Ignored(Change.Kind.OTHER, recordSchema + "." + table);
        }
        return switch (table) {
            case OUTBOX_TABLE -> mapOutbox(op, value);
            case SUBSCRIPTIONS_TABLE -> mapSubscription(op, value, sourceRecord.key());
            default -> new Change.Ignored(Change.Kind.OTHER, table);
        };
    }

    private Change mapOutbox(String op, Struct value) {
        switch (op) {
            case "c", "r" -> {
                return outboxInsert(value.getStruct("after"));
            }
            case "u" -> {
                return new Change.Ignored(Change.Kind.OUTBOX_UPDATE, text(value.getStruct("after"), "id"));
            }
            case "d" -> {
                return new Change.Ignored(Change.Kind.OUTBOX_DELETE, text(value.getStruct("before"), "id"));
            }
            default -> {
                return new Change.Ignored(Change.Kind.OTHER, "op " + op + " on " + OUTBOX_TABLE);
            }
        }
    }

    private Change outboxInsert(Struct row) {
        String rawId = text(row, "id");
        String aggregateId = text(row, "aggregateid");
        String type = text(row, "type");
        String payloadText = text(row, "payload");
        Object version = value(row, "payload_version");
        String createdAtText = text(row, "created_at");
        String traceparent = text(row, "traceparent");

        String eventId;
        try {
            eventId = rawId == null ? null : UUID.fromString(rawId).toString();
        } catch (IllegalArgumentException e) {
            eventId = null;
        }
        if (eventId == null) {
            return malformed(rawId, aggregateId, row, "id is not a UUID: " + rawId);
        }
        if (aggregateId == null || aggregateId.isBlank()) {
            return malformed(eventId, aggregateId, row, "aggregateid is null or blank");
        }
        if (type == null || type.length() > MAX_TOPIC_LENGTH || !EVENT_TOPIC.matcher(type).matches()) {
            return malformed(eventId, aggregateId, row, "type is not an event topic: " + type);
        }
        if (!(version instanceof Number number)) {
            return malformed(eventId, aggregateId, row, "payload_version is null");
        }
        Instant createdAt;
        try {
            createdAt = createdAtText == null ? null : OffsetDateTime.parse(createdAtText).toInstant();
        } catch (DateTimeParseException e) {
            createdAt = null;
        }
        if (createdAt == null) {
            return malformed(eventId, aggregateId, row, "created_at is missing or unreadable: " + createdAtText);
        }
        if (payloadText == null) {
            return malformed(eventId, aggregateId, row, "payload is null");
        }
        Object payload;
        try {
            payload = CanonicalJson.parse(payloadText);
        } catch (IllegalArgumentException e) {
            return malformed(eventId, aggregateId, row, "payload is not valid JSON: " + e.getMessage());
        }
        if (!(payload instanceof Map)) {
            return malformed(eventId, aggregateId, row, "payload is a JSON " + jsonKind(payload) + ", not an object");
        }
        byte[] envelope = envelope(createdAt, payload, type, number.intValue());
        RecordHeaders headers = new RecordHeaders();
        headers.add(HEADER_EVENT_ID, utf8(eventId));
        headers.add(HEADER_TOPIC, utf8(type));
        headers.add(HEADER_PAYLOAD_VERSION, utf8(Integer.toString(number.intValue())));
        headers.add(HEADER_CREATED_AT, utf8(createdAt.toString()));
        if (traceparent != null && !traceparent.isBlank()) {
            headers.add(HEADER_TRACEPARENT, utf8(traceparent));
        }
        return new Change.Event(eventId, createdAt,
                new ProducerRecord<>(eventsTopic, null, utf8(aggregateId), envelope, headers));
    }

    /** The canonical envelope of DESIGN.md: exactly the bytes delivered and signed. */
    static byte[] envelope(Instant createdAt, Object payload, String topic, int version) {
        Map<String, Object> envelope = new TreeMap<>();
        envelope.put("created_at", createdAt.toString());
        envelope.put("payload", payload);
        envelope.put("topic", topic);
        envelope.put("version", version);
        return utf8(CanonicalJson.write(envelope));
    }

    private Change malformed(String eventId, String aggregateId, Struct row, String reason) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("reason", reason);
        body.put("table", schema + "." + OUTBOX_TABLE);
        Map<String, Object> columns = new LinkedHashMap<>();
        for (Field field : row.schema().fields()) {
            Object v = row.get(field);
            columns.put(field.name(), v == null ? null : v.toString());
        }
        body.put("row", columns);
        RecordHeaders headers = new RecordHeaders();
        if (eventId != null) {
            headers.add(HEADER_EVENT_ID, utf8(eventId));
        }
        headers.add(HEADER_MALFORMED, utf8(reason));
        byte[] key = aggregateId == null || aggregateId.isBlank() ? null : utf8(aggregateId);
        return new Change.Malformed(eventId, reason,
                new ProducerRecord<>(relayDlqTopic, null, key, json(body), headers));
    }

    private Change mapSubscription(String op, Struct value, Object key) {
        switch (op) {
            case "c", "u", "r" -> {
                Struct row = value.getStruct("after");
                String id = text(row, "id");
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("id", id);
                body.put("topic", text(row, "topic"));
                body.put("url", text(row, "url"));
                body.put("secret", text(row, "secret"));
                body.put("previous_secret", text(row, "previous_secret"));
                body.put("previous_secret_expires_at", instant(text(row, "previous_secret_expires_at")));
                body.put("enabled", value(row, "enabled"));
                body.put("disabled_reason", text(row, "disabled_reason"));
                body.put("strict_order", value(row, "strict_order"));
                body.put("updated_at", instant(text(row, "updated_at")));
                for (Map.Entry<String, Object> e : body.entrySet()) {
                    if (UNAVAILABLE.equals(e.getValue())) {
                        // Only with REPLICA IDENTITY DEFAULT and a TOASTed column that did not change;
                        // outbox-writer's values are far below the TOAST threshold.
                        return new Change.Ignored(Change.Kind.UNREADABLE_SUBSCRIPTION, "subscription " + id
                                + ": column " + e.getKey() + " arrived without its value (TOAST); set REPLICA IDENTITY"
                                + " FULL on " + schema + "." + SUBSCRIPTIONS_TABLE + " and update the row again");
                    }
                }
                return new Change.Subscription(id, new ProducerRecord<>(subscriptionsTopic, utf8(id), json(body)));
            }
            case "d" -> {
                String id = key instanceof Struct keyStruct ? text(keyStruct, "id") : text(value.getStruct("before"), "id");
                if (id == null) {
                    return new Change.Ignored(Change.Kind.OTHER, "delete on " + SUBSCRIPTIONS_TABLE + " without id");
                }
                return new Change.Subscription(id, new ProducerRecord<>(subscriptionsTopic, utf8(id), null));
            }
            default -> {
                return new Change.Ignored(Change.Kind.OTHER, "op " + op + " on " + SUBSCRIPTIONS_TABLE);
            }
        }
    }

    private static String instant(String zonedTimestamp) {
        if (zonedTimestamp == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(zonedTimestamp).toInstant().toString();
        } catch (DateTimeParseException e) {
            return zonedTimestamp;
        }
    }

    private static Object value(Struct row, String column) {
        if (row == null || row.schema().field(column) == null) {
            return null;
        }
        return row.get(column);
    }

    private static String text(Struct row, String column) {
        Object v = value(row, column);
        return v == null ? null : v.toString();
    }

    private static String jsonKind(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String) {
            return "string";
        }
        if (value instanceof Boolean) {
            return "boolean";
        }
        if (value instanceof List) {
            return "array";
        }
        return "number";
    }

    private static byte[] json(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass(), e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
