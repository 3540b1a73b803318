package dev.posthorn.outbox;

import dev.posthorn.signature.SecretCipher;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key that seals subscription secrets at rest (AES-256-GCM).
 *
 * <p>{@value #ENVIRONMENT_VARIABLE} holds 32 random bytes in standard base64 (44 characters). Generate
 * one with {@code openssl rand -base64 32} and give the same value to every Posthorn process that reads
 * or writes subscriptions. Losing it makes stored secrets unreadable; changing it means re-adding them.
 *
 * <p><b>Dev mode.</b> When, and only when, the caller passes {@code devMode = true} and the variable is
 * not set, a fixed development key is used: its bytes are the ASCII text
 * {@code posthorn-dev-only-key-not-secret}, published here, so secrets sealed with it are readable by
 * anyone. That is fine for {@code posthorn dev} on a laptop and never for real subscribers.
 */
public final class SecretKeys {

    private static final Logger log = LoggerFactory.getLogger(SecretKeys.class);

    /** The environment variable holding the key: base64 of 32 random bytes. */
    public static final String ENVIRONMENT_VARIABLE = "POSTHORN_SECRET_KEY";

    /** Base64 of the 32 ASCII bytes {@code posthorn-dev-only-key-not-secret}: public, for dev mode only. */
    static final String DEV_KEY = Base64.getEncoder()
            .encodeToString("posthorn-dev-only-key-not-secret".getBytes(StandardCharsets.US_ASCII));

    private SecretKeys() {}

    /** The cipher for the key in {@value #ENVIRONMENT_VARIABLE}; see {@link #fromSetting}. */
    public static SecretCipher fromEnvironment(boolean devMode) {
        return fromSetting(System.getenv(ENVIRONMENT_VARIABLE), devMode);
    }

    /**
     * The cipher for a key read by the caller's own configuration code.
     *
     * @param base64Key the value of {@value #ENVIRONMENT_VARIABLE}; {@code null} or blank when unset
     * @param devMode   allow the public development key when no key is set
     * @throws IllegalStateException when the key is missing outside dev mode, or malformed; the message
     *                               names the variable and how to generate a key, never the key itself
     */
    public static SecretCipher fromSetting(String base64Key, boolean devMode) {
        if (base64Key == null || base64Key.isBlank()) {
            if (!devMode) {
                throw new IllegalStateException(ENVIRONMENT_VARIABLE + " is not set. It holds the key that encrypts"
                        + " webhook secrets at rest: 32 random bytes in base64. Generate one with"
                        + " `openssl rand -base64 32` and set it for every Posthorn process.");
            }
            log.warn("{} is not set: dev mode seals webhook secrets with the public development key;"
                    + " never use dev mode for real subscribers", ENVIRONMENT_VARIABLE);
            return SecretCipher.fromBase64Key(DEV_KEY);
        }
        try {
            return SecretCipher.fromBase64Key(base64Key);
        } catch (IllegalArgumentException e) {
            // SecretCipher's message names the variable and never repeats the key.
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
