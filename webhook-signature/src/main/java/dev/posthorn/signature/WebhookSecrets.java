package dev.posthorn.signature;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Subscription secrets: generating them, and turning them into HMAC keys for each scheme.
 *
 * <p>Generated secrets use the Standard Webhooks form {@code whsec_<base64 of 32 random bytes>}.
 * The Standard Webhooks key is the base64-decoded part after {@code whsec_}, or the UTF-8 bytes of
 * a secret without that prefix; the reference scheme always keys with the UTF-8 bytes of the whole
 * secret string, as the reference design does.
 */
public final class WebhookSecrets {

    static final String STANDARD_PREFIX = "whsec_";
    private static final int GENERATED_KEY_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private WebhookSecrets() {
    }

    /** A new random secret, {@code whsec_} followed by base64 of 32 bytes from {@link SecureRandom}. */
    public static String generate() {
        byte[] key = new byte[GENERATED_KEY_BYTES];
        RANDOM.nextBytes(key);
        return STANDARD_PREFIX + Base64.getEncoder().encodeToString(key);
    }

    static byte[] referenceKey(String secret) {
        requireUsable(secret);
        return secret.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] standardKey(String secret) {
        requireUsable(secret);
        if (!secret.startsWith(STANDARD_PREFIX)) {
            return secret.getBytes(StandardCharsets.UTF_8);
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(secret.substring(STANDARD_PREFIX.length()));
        } catch (IllegalArgumentException e) {
            // Deliberately without the decoder's message: it quotes a character of the secret.
            throw new IllegalArgumentException("a secret starting with " + STANDARD_PREFIX
                    + " must continue with base64 (the Standard Webhooks secret format)");
        }
        if (key.length == 0) {
            throw new IllegalArgumentException("a secret starting with " + STANDARD_PREFIX + " has no key after the prefix");
        }
        return key;
    }

    private static void requireUsable(String secret) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("a webhook secret must not be null or empty");
        }
    }
}
