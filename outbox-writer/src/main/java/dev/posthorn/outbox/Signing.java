package dev.posthorn.outbox;

import java.util.Locale;

/** How deliveries to a subscription are signed. */
public enum Signing {
    /** HMAC-SHA256 with the subscription secret ({@code X-Signature}, {@code webhook-signature: v1,…}): the default. */
    HMAC,
    /** Ed25519 only ({@code webhook-signature: v1a,…}): the receiver holds just the public key; no {@code X-Signature}. */
    ED25519,
    /** Both: {@code v1,} and {@code v1a,} entries, and {@code X-Signature}. */
    BOTH;

    /** The name used in the API, the table and on Kafka: {@code hmac}, {@code ed25519} or {@code both}. */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean usesEd25519() {
        return this != HMAC;
    }

    /** @throws InvalidSubscriptionException naming the field {@code signing} */
    public static Signing parse(String text) {
        for (Signing s : values()) {
            if (s.text().equals(text)) {
                return s;
            }
        }
        throw new InvalidSubscriptionException("signing", "must be hmac, ed25519 or both, was '" + text + "'");
    }
}
