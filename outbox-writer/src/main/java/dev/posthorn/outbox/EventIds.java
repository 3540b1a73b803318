package dev.posthorn.outbox;

import java.util.UUID;

/**
 * Event ids are UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Ids written close
 * together in time land close together in the primary-key index, which keeps inserts cheap.
 */
final class EventIds {

    private EventIds() {}

    static UUID next(long unixMillis) {
        // randomUUID supplies 122 bits from SecureRandom with the RFC variant already set; keep 74 of them.
        UUID random = UUID.randomUUID();
        long msb = (unixMillis << 16) | 0x7000L | (random.getMostSignificantBits() & 0x0FFFL);
        return new UUID(msb, random.getLeastSignificantBits());
    }
}
