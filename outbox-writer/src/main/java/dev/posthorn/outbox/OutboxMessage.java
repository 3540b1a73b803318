package dev.posthorn.outbox;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.UUID;

/**
 * The logical decoding message that stands for one outbox row in {@link RowRetention#WAL_MESSAGE} mode, as
 * docs/internal-contracts.md fixes it: prefix {@code <schema>.posthorn_outbox} (messages are database-wide,
 * the prefix says which outbox they belong to), content one UTF-8 JSON object holding the row's columns by
 * name, the payload embedded as the canonical text that was validated (never re-rendered).
 */
final class OutboxMessage {

    private static final JsonFactory JSON = new JsonFactory();

    private OutboxMessage() {}

    static String prefix(String schema) {
        return schema + "." + Outbox.OUTBOX_TABLE;
    }

    static byte[] content(UUID id, String aggregateType, String aggregateId, String type, String payloadJson,
            int payloadVersion, Instant createdAt, String traceparent) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(payloadJson.length() + 256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("id", id.toString());
            json.writeStringField("aggregatetype", aggregateType);
            json.writeStringField("aggregateid", aggregateId);
            json.writeStringField("type", type);
            json.writeFieldName("payload");
            json.writeRawValue(payloadJson);
            json.writeNumberField("payload_version", payloadVersion);
            json.writeStringField("created_at", createdAt.toString());
            if (traceparent != null) {
                json.writeStringField("traceparent", traceparent);
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write an outbox message to memory", e);
        }
        return out.toByteArray();
    }
}
