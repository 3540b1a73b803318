package dev.posthorn.signature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class SecretCipherTest {

    private static final String KEY = SecretCipher.generateKey();
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String ID = "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b";
    private static final String OTHER_ID = "0b6c1c2e-7f0a-4d2b-9e1f-5a4b3c2d1e0f";
    /** Python's cryptography 48.0.0, key bytes(range(32)), nonce bytes(range(100, 112)), AAD posthorn/subscription-secret/v1. */
    private static final String LEGACY_VECTOR =
            "v1:ZGVmZ2hpamtsbW5vP3OtAxq2G/h1M2aa4iIhpDOwUn3hOaM2n5jgGKHqynrYiAyhH2XPdtklg9tcsA20wULgnIcU";
    private static final String FIXED_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    private final SecretCipher cipher = SecretCipher.fromBase64Key(KEY);

    @Test
    void sealedSecretOpensAgain() {
        String sealed = cipher.seal(ID, SECRET);
        assertThat(sealed).startsWith("v2:").doesNotContain(SECRET).doesNotContain("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        assertThat(Base64.getDecoder().decode(sealed.substring(3))).hasSize(12 + SECRET.length() + 16);
        assertThat(cipher.open(ID, sealed)).isEqualTo(SECRET);
        assertThat(SecretCipher.fromBase64Key(" " + KEY + "\n").open(ID, sealed)).isEqualTo(SECRET);
        assertThat(cipher.open(ID, cipher.seal(ID, "ünïcödé ✓ \uD83D\uDE00"))).isEqualTo("ünïcödé ✓ \uD83D\uDE00");
        assertThat(cipher.open(ID, cipher.seal(ID, ""))).isEmpty();
    }

    /**
     * Pins the stored format for every module and release that reads it. Sealed independently with
     * Python's cryptography 48.0.0:
     * <pre>
     * AESGCM(bytes(range(32))).encrypt(bytes(range(100, 112)), b"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
     *         b"posthorn/subscription-secret/v2:6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b")
     * </pre>
     * prefixed with {@code v2:} and base64 of nonce followed by ciphertext and tag.
     */
    @Test
    void opensAValueSealedByAnIndependentImplementation() {
        SecretCipher fixedKey = SecretCipher.fromBase64Key(FIXED_KEY);
        assertThat(fixedKey.open(ID, "v2:ZGVmZ2hpamtsbW5vP3OtAxq2G/h1M2aa4iIhpDOwUn3hOaM2n5jgGKHqynrYiAyhH2UXo33BOAKqN8EB6HyWrwP8"))
                .isEqualTo(SECRET);
    }

    @Test
    void aSecretSealedForOneSubscriptionDoesNotOpenForAnother() {
        String sealed = cipher.seal(ID, SECRET);
        assertThatThrownBy(() -> cipher.open(OTHER_ID, sealed))
                .isInstanceOf(SecretCipherException.class)
                .hasMessage("cannot decrypt subscription secret: it was sealed for another subscription, or with another"
                        + " POSTHORN_SECRET_KEY, or the value is damaged")
                .hasCauseInstanceOf(javax.crypto.AEADBadTagException.class)
                .message().doesNotContain(SECRET).doesNotContain(sealed);
    }

    @Test
    void legacyValuesDoNotOpenButReseal() {
        SecretCipher fixedKey = SecretCipher.fromBase64Key(FIXED_KEY);
        assertThat(SecretCipher.isLegacy(LEGACY_VECTOR)).isTrue();
        assertThatThrownBy(() -> fixedKey.open(ID, LEGACY_VECTOR))
                .isInstanceOf(SecretCipherException.class)
                .hasMessageContaining("old v1: format, which is not bound to its subscription")
                .hasMessageContaining("posthorn outbox install")
                .message().doesNotContain(SECRET).doesNotContain(LEGACY_VECTOR);
        String resealed = fixedKey.reseal(ID, LEGACY_VECTOR);
        assertThat(resealed).startsWith("v2:");
        assertThat(SecretCipher.isLegacy(resealed)).isFalse();
        assertThat(fixedKey.open(ID, resealed)).isEqualTo(SECRET);
        assertThatThrownBy(() -> fixedKey.open(OTHER_ID, resealed)).isInstanceOf(SecretCipherException.class);
        assertThatThrownBy(() -> fixedKey.reseal(ID, resealed))
                .isInstanceOf(SecretCipherException.class).hasMessageContaining("not a v1: value");
        assertThatThrownBy(() -> cipher.reseal(ID, LEGACY_VECTOR))
                .isInstanceOf(SecretCipherException.class)
                .hasMessage("cannot decrypt subscription secret: wrong POSTHORN_SECRET_KEY or corrupted value");
    }

    @Test
    void everySealIsDifferent() {
        assertThat(cipher.seal(ID, SECRET)).isNotEqualTo(cipher.seal(ID, SECRET));
    }

    @Test
    void wrongKeyFailsWithTheTypedException() {
        String sealed = cipher.seal(ID, SECRET);
        SecretCipher other = SecretCipher.fromBase64Key(SecretCipher.generateKey());
        assertThatThrownBy(() -> other.open(ID, sealed))
                .isInstanceOf(SecretCipherException.class)
                .hasMessageContaining("with another POSTHORN_SECRET_KEY")
                .hasCauseInstanceOf(javax.crypto.AEADBadTagException.class);
    }

    @Test
    void tamperedOrForeignValuesFailWithTheTypedException() {
        String sealed = cipher.seal(ID, SECRET);
        byte[] raw = Base64.getDecoder().decode(sealed.substring(3));
        raw[raw.length / 2] ^= 1;
        String flipped = "v2:" + Base64.getEncoder().encodeToString(raw);
        for (String bad : new String[] {flipped, "v2:AAAA", "v2:***", sealed.substring(0, sealed.length() - 4)}) {
            assertThatThrownBy(() -> cipher.open(ID, bad)).as(bad)
                    .isInstanceOf(SecretCipherException.class)
                    .hasMessageContaining("cannot decrypt subscription secret");
        }
        assertThatThrownBy(() -> cipher.open(ID, SECRET))
                .isInstanceOf(SecretCipherException.class)
                .hasMessageContaining("expected the v2: prefix")
                .message().doesNotContain(SECRET);
        assertThatThrownBy(() -> cipher.seal(" ", SECRET)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void invalidKeysAreRefusedWithoutEchoingThem() {
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
        assertThatThrownBy(() -> SecretCipher.fromBase64Key(shortKey))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must decode to 32 bytes")
                .hasMessageContaining("decodes to 16")
                .hasMessageContaining("openssl rand -base64 32")
                .message().doesNotContain(shortKey);
        String notBase64 = "this-is-not-base64-but-a-secret!";
        assertThatThrownBy(() -> SecretCipher.fromBase64Key(notBase64))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not valid base64")
                .message().doesNotContain(notBase64).doesNotContain("!");
        assertThatThrownBy(() -> SecretCipher.fromBase64Key(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("POSTHORN_SECRET_KEY is empty");
    }

    @Test
    void toStringDoesNotRevealTheKey() {
        assertThat(cipher.toString()).isEqualTo("SecretCipher[AES-256-GCM, format v2:]").doesNotContain(KEY);
        assertThat(Base64.getDecoder().decode(KEY)).hasSize(32);
    }
}
