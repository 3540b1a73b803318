package dev.posthorn.outbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.posthorn.signature.SecretCipher;
import java.time.Clock;
import java.time.Duration;

/** Validated settings of one {@link Outbox}; built only by {@link Outbox.Builder#build()}. */
record OutboxSettings(
        String schema,
        String publication,
        String slotName,
        long retainedWalWarningBytes,
        RowRetention retention,
        int maxPayloadBytes,
        SecretCipher secretCipher, // null when the application only publishes
        Duration secretGracePeriod,
        Clock clock,
        ObjectMapper objectMapper) {

    /** {@code "schema".table}: quoted, because a valid identifier may still be a reserved word. */
    String qualified(String table) {
        return Identifiers.quote(schema) + "." + table;
    }

    /** {@code schema.table} as people write it, for messages. */
    String displayName(String table) {
        return schema + "." + table;
    }
}
