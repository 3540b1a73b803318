package dev.posthorn.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.posthorn.signature.SecretCipher;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SecretKeysTest {

    @Test
    void missingKeyOutsideDevModeNamesTheVariableAndHowToGenerateOne() {
        assertThatThrownBy(() -> SecretKeys.fromSetting(null, false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("POSTHORN_SECRET_KEY is not set")
                .hasMessageContaining("openssl rand -base64 32");
        assertThatThrownBy(() -> SecretKeys.fromSetting("  ", false)).hasMessageContaining("POSTHORN_SECRET_KEY is not set");
    }

    @Test
    void devModeFallsBackToTheFixedPublicDevKey() {
        SecretCipher dev = SecretKeys.fromSetting(null, true);
        String sealed = dev.seal("sub-1", "whsec_dev");
        assertThat(SecretCipher.fromBase64Key(SecretKeys.DEV_KEY).open("sub-1", sealed)).isEqualTo("whsec_dev");
        assertThat(new String(Base64.getDecoder().decode(SecretKeys.DEV_KEY))).isEqualTo("posthorn-dev-only-key-not-secret");
    }

    @Test
    void aConfiguredKeyWinsEvenInDevMode() {
        String key = SecretCipher.generateKey();
        String sealed = SecretKeys.fromSetting(key, true).seal("sub-1", "s");
        assertThat(SecretCipher.fromBase64Key(key).open("sub-1", sealed)).isEqualTo("s");
    }

    @Test
    void malformedKeyIsAClearErrorThatDoesNotRepeatTheKey() {
        String tooShort = Base64.getEncoder().encodeToString("sixteen byte key".getBytes());
        assertThatThrownBy(() -> SecretKeys.fromSetting(tooShort, false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("POSTHORN_SECRET_KEY")
                .hasMessageContaining("openssl rand -base64 32")
                .hasMessageNotContaining(tooShort);
        assertThatThrownBy(() -> SecretKeys.fromSetting("not base64 at all!", true))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("POSTHORN_SECRET_KEY")
                .hasMessageNotContaining("not base64 at all!");
    }
}
