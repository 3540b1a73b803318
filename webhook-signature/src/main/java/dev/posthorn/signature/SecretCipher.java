package dev.posthorn.signature;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts subscription secrets at rest: the one place that defines their stored format, shared by
 * the writer that stores them and the consumer that signs with them.
 *
 * <p>Format: {@code "v2:" + base64(nonce || ciphertext || tag)} with AES-256-GCM, a random 12-byte
 * nonce per value, a 128-bit tag and the associated data
 * {@code "posthorn/subscription-secret/v2:" + subscriptionId} (UTF-8). The subscription id in the
 * associated data binds a sealed value to its row: copied to another subscription it does not open.
 * Values of the older format {@code "v1:"} (associated data {@code posthorn/subscription-secret/v1},
 * bound to no subscription) are refused by {@link #open}; {@link #reseal} turns one into the current
 * format, which {@code Outbox.install} does for every stored row.
 *
 * <p>The key is 32 bytes given as base64, the format of the {@code POSTHORN_SECRET_KEY} environment
 * variable; create one with {@code openssl rand -base64 32} or {@link #generateKey()}. Thread-safe.
 */
public final class SecretCipher {

    private static final String FORMAT_PREFIX = "v2:";
    private static final String ASSOCIATED_DATA_PREFIX = "posthorn/subscription-secret/v2:";
    private static final String LEGACY_PREFIX = "v1:";
    private static final byte[] LEGACY_ASSOCIATED_DATA =
            "posthorn/subscription-secret/v1".getBytes(StandardCharsets.UTF_8);
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final String CANNOT_DECRYPT = "cannot decrypt subscription secret: it was sealed for another"
            + " subscription, or with another POSTHORN_SECRET_KEY, or the value is damaged";
    private static final String CANNOT_DECRYPT_LEGACY =
            "cannot decrypt subscription secret: wrong POSTHORN_SECRET_KEY or corrupted value";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    private SecretCipher(SecretKeySpec key) {
        this.key = key;
    }

    /**
     * A cipher for the AES-256-GCM key given in base64 (e.g. {@code POSTHORN_SECRET_KEY}).
     *
     * @param base64Key 32 bytes in standard base64, surrounding whitespace ignored
     * @throws IllegalArgumentException if the key is missing, not base64 or not 32 bytes long;
     *         the message never repeats the key
     */
    public static SecretCipher fromBase64Key(String base64Key) {
        String hint = "; generate one with `openssl rand -base64 32`";
        if (base64Key == null || base64Key.isBlank()) {
            throw new IllegalArgumentException("POSTHORN_SECRET_KEY is empty: it must be 32 random bytes in base64" + hint);
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64Key.trim());
        } catch (IllegalArgumentException e) {
            // No cause attached: the decoder's message quotes a character of the key.
            throw new IllegalArgumentException("POSTHORN_SECRET_KEY is not valid base64" + hint);
        }
        try {
            if (raw.length != KEY_BYTES) {
                throw new IllegalArgumentException("POSTHORN_SECRET_KEY must decode to " + KEY_BYTES
                        + " bytes for AES-256, but decodes to " + raw.length + hint);
            }
            return new SecretCipher(new SecretKeySpec(raw, "AES"));
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    /** A new random key in the {@code POSTHORN_SECRET_KEY} format (base64 of 32 bytes). */
    public static String generateKey() {
        byte[] raw = new byte[KEY_BYTES];
        RANDOM.nextBytes(raw);
        return Base64.getEncoder().encodeToString(raw);
    }

    /**
     * Encrypts {@code plaintext} for the subscription {@code subscriptionId} (its id as text, e.g.
     * {@code UUID.toString()}); each call gives a different value because the nonce is random.
     */
    public String seal(String subscriptionId, String plaintext) {
        Objects.requireNonNull(plaintext, "plaintext");
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData(subscriptionId));
            byte[] plain = plaintext.getBytes(StandardCharsets.UTF_8);
            try {
                ByteBuffer sealed = ByteBuffer.allocate(NONCE_BYTES + cipher.getOutputSize(plain.length));
                sealed.put(nonce);
                cipher.doFinal(ByteBuffer.wrap(plain), sealed);
                return FORMAT_PREFIX + Base64.getEncoder().encodeToString(sealed.array());
            } finally {
                Arrays.fill(plain, (byte) 0);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /**
     * Decrypts a value that {@link #seal} made for the same subscription.
     *
     * @throws SecretCipherException if the value is not in the current sealed format (an old {@code v1:}
     *         value needs {@link #reseal} first), or was sealed for another subscription, or the key is
     *         wrong, or the value was altered. The message never contains the value or the secret.
     */
    public String open(String subscriptionId, String sealed) {
        Objects.requireNonNull(sealed, "sealed");
        byte[] associatedData = associatedData(subscriptionId);
        if (sealed.startsWith(LEGACY_PREFIX)) {
            throw new SecretCipherException("cannot decrypt subscription secret: it is sealed in the old " + LEGACY_PREFIX
                    + " format, which is not bound to its subscription; run `posthorn outbox install` (Outbox.install"
                    + " with the secret key) to re-seal stored secrets in the " + FORMAT_PREFIX + " format");
        }
        if (!sealed.startsWith(FORMAT_PREFIX)) {
            throw new SecretCipherException("cannot decrypt subscription secret: not a sealed value (expected the "
                    + FORMAT_PREFIX + " prefix)");
        }
        return new String(decrypt(sealed.substring(FORMAT_PREFIX.length()), associatedData, CANNOT_DECRYPT),
                StandardCharsets.UTF_8);
    }

    /** True for a value in the old {@code v1:} format, which {@link #reseal} converts. */
    public static boolean isLegacy(String sealed) {
        return sealed != null && sealed.startsWith(LEGACY_PREFIX);
    }

    /**
     * Converts an old {@code v1:} value (bound to no subscription) into the current format bound to
     * {@code subscriptionId}, without the secret leaving this class.
     *
     * @throws SecretCipherException if {@code legacySealed} is not a {@code v1:} value that opens with this key
     */
    public String reseal(String subscriptionId, String legacySealed) {
        Objects.requireNonNull(legacySealed, "legacySealed");
        if (!isLegacy(legacySealed)) {
            throw new SecretCipherException("cannot re-seal subscription secret: not a " + LEGACY_PREFIX + " value");
        }
        byte[] plain = decrypt(legacySealed.substring(LEGACY_PREFIX.length()), LEGACY_ASSOCIATED_DATA, CANNOT_DECRYPT_LEGACY);
        try {
            return seal(subscriptionId, new String(plain, StandardCharsets.UTF_8));
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    private byte[] decrypt(String base64, byte[] associatedData, String failure) {
        byte[] data;
        try {
            data = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new SecretCipherException(failure, e);
        }
        if (data.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new SecretCipherException(failure);
        }
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, data, 0, NONCE_BYTES));
            cipher.updateAAD(associatedData);
            return cipher.doFinal(data, NONCE_BYTES, data.length - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new SecretCipherException(failure, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        }
    }

    private static byte[] associatedData(String subscriptionId) {
        Objects.requireNonNull(subscriptionId, "subscriptionId");
        if (subscriptionId.isBlank()) {
            throw new IllegalArgumentException("subscriptionId must not be blank: a sealed secret is bound to its subscription");
        }
        return (ASSOCIATED_DATA_PREFIX + subscriptionId).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "SecretCipher[AES-256-GCM, format " + FORMAT_PREFIX + "]";
    }
}
