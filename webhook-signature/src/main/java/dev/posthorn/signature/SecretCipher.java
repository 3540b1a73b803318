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
 * <p>Format: {@code "v1:" + base64(nonce || ciphertext || tag)} with AES-256-GCM, a random 12-byte
 * nonce per value, a 128-bit tag and the fixed associated data
 * {@code posthorn/subscription-secret/v1} (so a value sealed for another purpose with the same key
 * does not open here). The key is 32 bytes given as base64, the format of the
 * {@code POSTHORN_SECRET_KEY} environment variable; create one with {@code openssl rand -base64 32}
 * or {@link #generateKey()}. Thread-safe.
 */
public final class SecretCipher {

    private static final String FORMAT_PREFIX = "v1:";
    private static final byte[] ASSOCIATED_DATA =
            "posthorn/subscription-secret/v1".getBytes(StandardCharsets.UTF_8);
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final String CANNOT_DECRYPT =
            "cannot decrypt subscription secret: wrong POSTHORN_SECRET_KEY or corrupted value";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    private SecretCipher(SecretKeySpec key) {
        this.key = key;
    }

    /**
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

    /** Encrypts {@code plaintext}; each call gives a different value because the nonce is random. */
    public String seal(String plaintext) {
        Objects.requireNonNull(plaintext, "plaintext");
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(ASSOCIATED_DATA);
            byte[] plain = plaintext.getBytes(StandardCharsets.UTF_8);
            ByteBuffer sealed = ByteBuffer.allocate(NONCE_BYTES + cipher.getOutputSize(plain.length));
            sealed.put(nonce);
            cipher.doFinal(ByteBuffer.wrap(plain), sealed);
            return FORMAT_PREFIX + Base64.getEncoder().encodeToString(sealed.array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /**
     * Decrypts a value made by {@link #seal}.
     *
     * @throws SecretCipherException if the value is not in the sealed format, or the key is wrong,
     *         or the value was altered
     */
    public String open(String sealed) {
        Objects.requireNonNull(sealed, "sealed");
        if (!sealed.startsWith(FORMAT_PREFIX)) {
            throw new SecretCipherException("cannot decrypt subscription secret: not a sealed value (expected the "
                    + FORMAT_PREFIX + " prefix)");
        }
        byte[] data;
        try {
            data = Base64.getDecoder().decode(sealed.substring(FORMAT_PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new SecretCipherException(CANNOT_DECRYPT, e);
        }
        if (data.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new SecretCipherException(CANNOT_DECRYPT);
        }
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, data, 0, NONCE_BYTES));
            cipher.updateAAD(ASSOCIATED_DATA);
            byte[] plain = cipher.doFinal(data, NONCE_BYTES, data.length - NONCE_BYTES);
            return new String(plain, StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw new SecretCipherException(CANNOT_DECRYPT, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        }
    }

    @Override
    public String toString() {
        return "SecretCipher[AES-256-GCM, format " + FORMAT_PREFIX + "]";
    }
}
