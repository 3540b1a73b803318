package dev.posthorn.app.bench;

import dev.posthorn.signature.CanonicalJson;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * The events every phase sends: 1 KiB JSON payloads (already in canonical form, so they survive
 * the outbox writer and {@link CanonicalJson} unchanged in size), and the
 * envelope a subscriber receives, built exactly as the relay builds it.
 */
final class Payloads {

    /** UTF-8 bytes of every payload's JSON text. */
    static final int PAYLOAD_BYTES = 1024;

    private static final int SEQUENCE_DIGITS = 12;
    private static final String HEAD = "{\"amount_cents\":129900,\"currency\":\"EUR\",\"customer\":\"cus_4f9c2a7e\",\"note\":\"";
    private static final String MIDDLE = "\",\"sequence\":\"";
    private static final String TAIL = "\"}";
    private static final String NOTE = filler(PAYLOAD_BYTES - HEAD.length() - MIDDLE.length() - SEQUENCE_DIGITS - TAIL.length());

    private Payloads() {}

    /** A 1 KiB JSON object in canonical form whose {@code sequence} field is {@code sequence} as 12 digits. */
    static String payload(long sequence) {
        if (sequence < 0 || sequence >= 1_000_000_000_000L) {
            throw new IllegalArgumentException("sequence must have at most " + SEQUENCE_DIGITS + " digits: " + sequence);
        }
        String digits = Long.toString(sequence);
        StringBuilder json = new StringBuilder(PAYLOAD_BYTES).append(HEAD).append(NOTE)
                .append(MIDDLE).append("0".repeat(SEQUENCE_DIGITS - digits.length())).append(digits).append(TAIL);
        return json.toString();
    }

    /** Ordering key of event {@code sequence}: spreads events over partitions like real aggregate ids. */
    static String key(long sequence) {
        return "invoice-" + (sequence % 1024);
    }

    /**
     * The body a subscriber receives for an event, as contracted for {@code <prefix>.events}:
     * canonical JSON of {@code created_at}, {@code payload}, {@code topic} and {@code version}.
     */
    static byte[] envelope(Instant createdAt, String topic, String payloadJson, int version) {
        Map<String, Object> envelope = Map.of(
                "created_at", createdAt.toString(),
                "payload", CanonicalJson.parse(payloadJson),
                "topic", topic,
                "version", version);
        return CanonicalJson.write(envelope).getBytes(StandardCharsets.UTF_8);
    }

    private static String filler(int length) {
        String alphabet = "lorem ipsum dolor sit amet consectetur adipiscing elit ";
        StringBuilder note = new StringBuilder(length);
        while (note.length() < length) {
            note.append(alphabet, 0, Math.min(alphabet.length(), length - note.length()));
        }
        return note.toString();
    }
}
