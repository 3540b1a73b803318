package dev.posthorn.signature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class SecretCipherTest {

    private static final String KEY = SecretCipher.generateKey();
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private final SecretCipher cipher = SecretCipher.fromBase64Key(KEY);

    @Test
    void sealedSecretOpensAgain() {
        String sealed = cipher.seal(SECRET);
        assertThat(sealed).startsWith("v1:").doesNotContain(SECRET).doesNotContain("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        assertThat(Base64.getDecoder().decode(sealed.substring(3))).hasSize(12 + SECRET.length() + 16);
        assertThat(cipher.open(sealed)).isEqualTo(SECRET);
        assertThat(SecretCipher.fromBase64Key(" " + KEY + "\n").open(sealed)).isEqualTo(SECRET);
        assertThat(cipher.open(cipher.seal("ünïcödé ✓ \uD83D\uDE00"))).isEqualTo("ünïcödé ✓ \uD83D\uDE00");
        assertThat(cipher.open(cipher.seal(""))).isEmpty();
    }

    /**
     * Pins the stored format for every module and release that reads it. Sealed independently with
     * Python's cryptography 48.0.0:
     * <pre>
     * AESGCM(bytes(range(32))).encrypt(bytes(range(100, 112)), b"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
     *         b"posthorn/subscription-secret/v1")
     * </pre>
     * prefixed with {@code v1:} and base64 of nonce followed by ciphertext and tag.
     */
    @Test
    void opensAValueSealedByAnIndependentImplementation() {
        SecretCipher fixedKey = SecretCipher.fromBase64Key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
        assertThat(fixedKey.open("v1:ZGVmZ2hpamtsbW5vP3OtAxq2G/h1M2aa4iIhpDOwUn3hOaM2n5jgGKHqynrYiAyhH2XPdtklg9tcsA20wULgnIcU"))
                .isEqualTo(SECRET);
    }

    @Test
    void everySealIsDifferent() {
        assertThat(cipher.seal(SECRET)).isNotEqualTo(cipher.seal(SECRET));
    }

    @Test
    void wrongKeyFailsWithTheTypedException() {
        String sealed = cipher.seal(SECRET);
        SecretCipher other = SecretCipher.fromBase64Key(SecretCipher.generateKey());
        assertThatThrownBy(() -> other.open(sealed))
                .isInstanceOf(SecretCipherException.class)
                .hasMessage("cannot decrypt subscription secret: wrong POSTHORN_SECRET_KEY or corrupted value")
                .hasCauseInstanceOf(javax.crypto.AEADBadTagException.class);
    }

    @Test
    void tamperedOrForeignValuesFailWithTheTypedException() {
        String sealed = cipher.seal(SECRET);
        byte[] raw = Base64.getDecoder().decode(sealed.substring(3));
        raw[raw.length / 2] ^= 1;
        String flipped = "v1:" + Base64.getEncoder().encodeToString(raw);
        for (String bad : new String[] {flipped, "v1:AAAA", "v1:***", sealed.substring(0, sealed.length() - 4)}) {
            assertThatThrownBy(() -> cipher.open(bad)).as(bad)
                    .isInstanceOf(SecretCipherException.class)
                    .hasMessageContaining("cannot decrypt subscription secret");
        }
        assertThatThrownBy(() -> cipher.open(SECRET))
                .isInstanceOf(SecretCipherException.class)
                .hasMessageContaining("expected the v1: prefix")
                .message().doesNotContain(SECRET);
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
        assertThat(cipher.toString()).isEqualTo("SecretCipher[AES-256-GCM, format v1:]").doesNotContain(KEY);
        assertThat(Base64.getDecoder().decode(KEY)).hasSize(32);
    }
}
