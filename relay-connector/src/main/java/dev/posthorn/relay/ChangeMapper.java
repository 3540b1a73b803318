package dev.posthorn.relay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.posthorn.signature.CanonicalJson;
import dev.posthorn.signature.JsonNumber;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
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

    /** W3C Trace Context {@code traceparent}, version 00 layout (later versions may append fields). */
    private static final Pattern TRACEPARENT =
            Pattern.compile("^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-[\\x21-\\x7e]*)?$");
    private static final int MAX_TRACEPARENT_LENGTH = 512;

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
    private final String outboxMessagePrefix;

    ChangeMapper(String schema, String eventsTopic, String subscriptionsTopic, String relayDlqTopic) {
        this.schema = schema;
        this.eventsTopic = eventsTopic;
        this.subscriptionsTopic = subscriptionsTopic;
        this.relayDlqTopic = relayDlqTopic;
        this.outboxMessagePrefix = outboxMessagePrefix(schema);
    }

    /** The prefix of the logical decoding messages that stand for this schema's outbox rows. */
    static String outboxMessagePrefix(String schema) {
        return schema + "." + OUTBOX_TABLE;
    }

    /** What one change becomes. */
    sealed interface Change {
        /**
         * An outbox INSERT: one record for {@code <prefix>.events}. {@code droppedTraceparent} holds why the
         * row's traceparent was left out (not a W3C traceparent), for the caller's warning; empty if none was.
         */
        record Event(String eventId, Instant createdAt, ProducerRecord<byte[], byte[]> record,
                Optional<String> droppedTraceparent) implements Change {}

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
        if ("m".equals(op) && value.schema().field("message") != null) {
            return mapMessage(value.getStruct("message"));
        }
        if (table == null) {
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
        Supplier<Map<String, Object>> columns = () -> {
            Map<String, Object> byName = new LinkedHashMap<>();
            for (Field field : row.schema().fields()) {
                Object v = row.get(field);
                byName.put(field.name(), v == null ? null : v.toString());
            }
            return byName;
        };
        String payloadText = text(row, "payload");
        return outboxEvent(text(row, "id"), text(row, "aggregateid"), text(row, "type"), value(row, "payload_version"),
                text(row, "created_at"), text(row, "traceparent"),
                () -> payloadText == null ? null : CanonicalJson.parse(payloadText), columns);
    }

    /**
     * A logical decoding message. Posthorn's own (prefix {@code <schema>.posthorn_outbox}, written by
     * outbox-writer's default row retention) stands for an outbox row: its content is the row's columns as
     * one JSON object, the payload embedded as canonical JSON (docs/internal-contracts.md).
     */
    private Change mapMessage(Struct message) {
        String prefix = message.schema().field("prefix") == null ? null : message.getString("prefix");
        if (!outboxMessagePrefix.equals(prefix)) {
            return new Change.Ignored(Change.Kind.CONTROL, "logical decoding message " + prefix);
        }
        Object content = message.get("content");
        String text = switch (content) {
            case byte[] bytes -> new String(bytes, StandardCharsets.UTF_8);
            case java.nio.ByteBuffer buffer -> StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
            case null, default -> null;
        };
        Object parsed;
        try {
            parsed = text == null ? null : CanonicalJson.parse(text);
        } catch (IllegalArgumentException e) {
            parsed = e;
        }
        if (!(parsed instanceof Map<?, ?> row)) {
            Map<String, Object> raw = new LinkedHashMap<>();
            raw.put("message", text == null ? null : text.substring(0, Math.min(text.length(), 1024)));
            String reason = parsed instanceof IllegalArgumentException e
                    ? "outbox message is not valid JSON: " + e.getMessage()
                    : "outbox message is not a JSON object";
            return malformed(null, null, () -> raw, reason);
        }
        Supplier<Map<String, Object>> columns = () -> {
            Map<String, Object> byName = new LinkedHashMap<>();
            row.forEach((k, v) -> byName.put(String.valueOf(k), v == null || v instanceof String ? v : CanonicalJson.write(v)));
            return byName;
        };
        return outboxEvent(string(row.get("id")), string(row.get("aggregateid")), string(row.get("type")),
                row.get("payload_version"), string(row.get("created_at")), string(row.get("traceparent")),
                () -> row.get("payload"), columns);
    }

    /** Parses an outbox payload; throws {@link IllegalArgumentException} naming what is wrong with it. */
    private interface PayloadSource {
        Object parse();
    }

    /** The checks and the mapping every outbox event goes through, whether it came as a row or a message. */
    private Change outboxEvent(String rawId, String aggregateId, String type, Object version, String createdAtText,
            String traceparent, PayloadSource payloadSource, Supplier<Map<String, Object>> columns) {
        String eventId;
        try {
            eventId = rawId == null ? null : UUID.fromString(rawId).toString();
        } catch (IllegalArgumentException e) {
            eventId = null;
        }
        if (eventId == null) {
            return malformed(rawId, aggregateId, columns, "id is not a UUID: " + rawId);
        }
        if (aggregateId == null || aggregateId.isBlank()) {
            return malformed(eventId, aggregateId, columns, "aggregateid is null or blank");
        }
        if (type == null || type.length() > MAX_TOPIC_LENGTH || !EVENT_TOPIC.matcher(type).matches()) {
            return malformed(eventId, aggregateId, columns, "type is not an event topic: " + type);
        }
        Integer payloadVersion = intValue(version);
        if (payloadVersion == null) {
            return malformed(eventId, aggregateId, columns, "payload_version is null or not an integer: " + version);
        }
        Instant createdAt;
        try {
            createdAt = createdAtText == null ? null : OffsetDateTime.parse(createdAtText).toInstant();
        } catch (DateTimeParseException e) {
            createdAt = null;
        }
        if (createdAt == null) {
            return malformed(eventId, aggregateId, columns, "created_at is missing or unreadable: " + createdAtText);
        }
        Object payload;
        try {
            payload = payloadSource.parse();
        } catch (IllegalArgumentException e) {
            return malformed(eventId, aggregateId, columns, "payload is not valid JSON: " + e.getMessage());
        }
        if (payload == null) {
            return malformed(eventId, aggregateId, columns, "payload is null");
        }
        if (!(payload instanceof Map)) {
            return malformed(eventId, aggregateId, columns, "payload is a JSON " + jsonKind(payload) + ", not an object");
        }
        byte[] envelope = envelope(createdAt, payload, type, payloadVersion);
        RecordHeaders headers = new RecordHeaders();
        headers.add(HEADER_EVENT_ID, utf8(eventId));
        headers.add(HEADER_TOPIC, utf8(type));
        headers.add(HEADER_PAYLOAD_VERSION, utf8(Integer.toString(payloadVersion)));
        headers.add(HEADER_CREATED_AT, utf8(createdAt.toString()));
        Optional<String> dropped = Optional.empty();
        if (traceparent != null && !traceparent.isBlank()) {
            dropped = traceparentProblem(traceparent);
            if (dropped.isEmpty()) {
                headers.add(HEADER_TRACEPARENT, utf8(traceparent));
            }
        }
        return new Change.Event(eventId, createdAt,
                new ProducerRecord<>(eventsTopic, null, utf8(aggregateId), envelope, headers), dropped);
    }

    /** Why a traceparent cannot be passed on (it would end up in an HTTP header), if it cannot. */
    static Optional<String> traceparentProblem(String traceparent) {
        if (traceparent.length() > MAX_TRACEPARENT_LENGTH || !TRACEPARENT.matcher(traceparent).matches()) {
            return Optional.of("not a W3C traceparent (version-traceid-parentid-flags in lowercase hex)");
        }
        if (traceparent.startsWith("ff")) {
            return Optional.of("version ff is invalid");
        }
        if (traceparent.startsWith("00") && traceparent.length() != 55) {
            return Optional.of("version 00 has exactly 55 characters");
        }
        if (traceparent.substring(3, 35).chars().allMatch(c -> c == '0')) {
            return Optional.of("the trace id is all zeros");
        }
        if (traceparent.substring(36, 52).chars().allMatch(c -> c == '0')) {
            return Optional.of("the parent id is all zeros");
        }
        return Optional.empty();
    }

    /**
     * A record Kafka refused for good (too large for the producer or the topic, or invalid): a small
     * record for {@code <prefix>.relay-dlq} naming the change and the reason, so the stream goes on.
     * Holds no payload: the record that was too large would not fit the dead-letter topic either.
     */
    Change.Malformed refused(Change change, String reason) {
        String id;
        String table;
        ProducerRecord<byte[], byte[]> original;
        switch (change) {
            case Change.Event e -> {
                id = e.eventId();
                table = OUTBOX_TABLE;
                original = e.record();
            }
            case Change.Subscription s -> {
                id = s.subscriptionId();
                table = SUBSCRIPTIONS_TABLE;
                original = s.record();
            }
            case Change.Malformed m -> {
                id = m.eventId();
                table = OUTBOX_TABLE;
                original = m.record();
            }
            case Change.Ignored i -> throw new IllegalArgumentException("an ignored change has no record");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("reason", reason);
        body.put("table", schema + "." + table);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", id);
        body.put("row", row);
        body.put("topic", original.topic());
        body.put("key_bytes", original.key() == null ? 0 : original.key().length);
        body.put("value_bytes", original.value() == null ? 0 : original.value().length);
        RecordHeaders headers = new RecordHeaders();
        if (id != null) {
            headers.add(HEADER_EVENT_ID, utf8(id));
        }
        headers.add(HEADER_MALFORMED, utf8(reason));
        return new Change.Malformed(id, reason,
                new ProducerRecord<>(relayDlqTopic, null, id == null ? null : utf8(id), json(body), headers));
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

    /** {@code columns} are built only here: a good event never needs them. */
    private Change malformed(String eventId, String aggregateId, Supplier<Map<String, Object>> columns, String reason) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("reason", reason);
        body.put("table", schema + "." + OUTBOX_TABLE);
        body.put("row", columns.get());
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
                // Delivery options: left out when unset (and on tables installed before they existed).
                putJsonColumn(body, "filter", text(row, "payload_filter"));
                String headers = text(row, "custom_headers"); // sealed like the secret
                if (headers != null) {
                    body.put("headers", headers);
                }
                Object rateLimit = value(row, "rate_limit");
                if (rateLimit != null) {
                    body.put("rate_limit", rateLimit);
                }
                for (String column : new String[] {"signing", "signing_key", "previous_signing_key"}) {
                    String text = text(row, column); // keys stay sealed
                    if (text != null) {
                        body.put(column, text);
                    }
                }
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

    /**
     * A json column embedded as JSON in its canonical form (the bytes pass through unchanged for values
     * outbox-writer wrote). Text that is not JSON goes as a string: the delivery consumer then reports the
     * subscription unusable, naming the field, instead of the relay writing an invalid record.
     */
    private static void putJsonColumn(Map<String, Object> body, String key, String text) {
        if (text == null || UNAVAILABLE.equals(text)) {
            if (text != null) {
                body.put(key, text);
            }
            return;
        }
        try {
            body.put(key, new RawValue(CanonicalJson.write(CanonicalJson.parse(text))));
        } catch (IllegalArgumentException e) {
            body.put(key, text);
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

    private static Integer intValue(Object version) {
        if (version instanceof Integer i) {
            return i;
        }
        if (version instanceof Number n && n.doubleValue() == n.intValue()) {
            return n.intValue();
        }
        if (version instanceof JsonNumber n) {
            try {
                return Integer.valueOf(n.literal());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static String string(Object value) {
        return value instanceof String s ? s : value == null ? null : value.toString();
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
