package dev.posthorn.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * An event as read from {@code <prefix>.events} (or carried unchanged on a retry/DLQ record): the
 * exact value bytes that are sent and signed, the key, and the event's own headers.
 *
 * @param eventHeaders the headers that are not delivery headers, in their original order
 * @param partition    the partition of {@code <prefix>.events} the event was read from
 * @param offset       its offset there
 */
record EventData(
        byte[] key,
        byte[] value,
        List<Header> eventHeaders,
        String eventId,
        String topic,
        int payloadVersion,
        String traceparent,
        int partition,
        long offset) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Thrown when a record lacks what a delivery needs; the record goes to the DLQ with this message. */
    static final class MalformedEventException extends Exception {
        MalformedEventException(String message) {
            super(message);
        }
    }

    /** Reads an event record of {@code <prefix>.events}. */
    static EventData fromEventRecord(ConsumerRecord<byte[], byte[]> record) throws MalformedEventException {
        return parse(record, record.partition(), record.offset());
    }

    /** Reads a retry or DLQ record, which carries the event plus delivery headers. */
    static EventData fromDeliveryRecord(ConsumerRecord<byte[], byte[]> record) throws MalformedEventException {
        String partition = header(record.headers(), DeliveryHeaders.EVENT_PARTITION);
        String offset = header(record.headers(), DeliveryHeaders.EVENT_OFFSET);
        try {
            return parse(record, partition == null ? record.partition() : Integer.parseInt(partition),
                    offset == null ? -1 : Long.parseLong(offset));
        } catch (NumberFormatException e) {
            throw new MalformedEventException("unreadable " + DeliveryHeaders.EVENT_PARTITION + "/"
                    + DeliveryHeaders.EVENT_OFFSET + " header");
        }
    }

    private static EventData parse(ConsumerRecord<byte[], byte[]> record, int partition, long offset)
            throws MalformedEventException {
        if (record.value() == null) {
            throw new MalformedEventException("record has no value");
        }
        Headers headers = record.headers();
        String eventId = header(headers, DeliveryHeaders.EVENT_ID);
        if (eventId == null || eventId.isBlank()) {
            throw new MalformedEventException("missing header " + DeliveryHeaders.EVENT_ID);
        }
        String topic = header(headers, DeliveryHeaders.TOPIC);
        String version = header(headers, DeliveryHeaders.PAYLOAD_VERSION);
        if (topic == null || version == null) {
            // Headers are the contract; the envelope carries the same facts, so fall back to it.
            try {
                JsonNode envelope = JSON.readTree(record.value());
                if (topic == null && envelope.path("topic").isTextual()) {
                    topic = envelope.get("topic").asText();
                }
                if (version == null && envelope.path("version").canConvertToInt()) {
                    version = envelope.get("version").asText();
                }
            } catch (IOException e) {
                throw new MalformedEventException("value is not JSON and headers lack topic/version");
            }
        }
        if (topic == null || topic.isBlank()) {
            throw new MalformedEventException("missing header " + DeliveryHeaders.TOPIC);
        }
        int payloadVersion;
        try {
            payloadVersion = version == null ? 1 : Integer.parseInt(version.strip());
        } catch (NumberFormatException e) {
            throw new MalformedEventException("header " + DeliveryHeaders.PAYLOAD_VERSION + " is not an integer");
        }
        List<Header> own = new ArrayList<>();
        for (Header h : headers) {
            if (!DeliveryHeaders.isDeliveryHeader(h.key())) {
                own.add(h);
            }
        }
        return new EventData(record.key(), record.value(), List.copyOf(own), eventId, topic, payloadVersion,
                header(headers, DeliveryHeaders.TRACEPARENT), partition, offset);
    }

    /** The last value of header {@code name} as UTF-8, or null. */
    static String header(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** The aggregate key as text, for strict-order lanes. */
    String keyText() {
        return key == null ? "" : new String(key, StandardCharsets.UTF_8);
    }
}
