package dev.posthorn.signature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.junit.jupiter.api.Test;

/** Standard Webhooks {@code v1a}: signed with the JDK's Ed25519, verified by the JDK and by Bouncy Castle. */
class Ed25519SignatureTest {

    private static final byte[] BODY = "{\"payload\":{\"n\":1},\"topic\":\"invoice.paid\"}".getBytes(StandardCharsets.UTF_8);
    private static final long NOW = 1_767_225_600L;
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC);

    private static Map<String, String> headers(boolean hmac, List<String> keys) {
        return WebhookSigner.attemptHeaders().eventId("evt-1").topic("invoice.paid").attempt(1).payloadVersion(1)
                .subscriptionId("sub-1").timestamp(NOW).body(BODY).currentSecret(hmac ? "whsec_" + "c2VjcmV0LXNlY3JldC1zZWNyZXQ=" : null)
                .hmac(hmac).signingKeys(keys).userAgentVersion("test").build();
    }

    @Test
    void aV1aEntryVerifiesWithTheJdkAndWithAnIndependentImplementation() {
        Ed25519Keys.Pair pair = Ed25519Keys.generate();
        assertThat(pair.signingKey()).startsWith("whsk_");
        assertThat(pair.publicKey()).startsWith("whpk_");
        assertThat(pair.toString()).doesNotContain(pair.signingKey());

        Map<String, String> sent = headers(false, List.of(pair.signingKey()));
        String entry = sent.get("webhook-signature");
        assertThat(entry).startsWith("v1a,").doesNotContain(" ");
        assertThat(sent).as("no HMAC secret: no X-Signature").doesNotContainKeys("X-Signature", "X-Signature-Alg",
                "X-Signature-Version");

        VerificationResult jdk = WebhookVerifier.builder().publicKey(pair.publicKey()).clock(CLOCK).build()
                .verify(name -> header(sent, name), BODY);
        assertThat(jdk).isInstanceOf(VerificationResult.Verified.class);

        Ed25519Signer bouncyCastle = new Ed25519Signer();
        bouncyCastle.init(false, new Ed25519PublicKeyParameters(
                Base64.getDecoder().decode(pair.publicKey().substring("whpk_".length())), 0));
        byte[] content = ("evt-1." + NOW + "." + new String(BODY, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        bouncyCastle.update(content, 0, content.length);
        assertThat(bouncyCastle.verifySignature(Base64.getDecoder().decode(entry.substring("v1a,".length())))).isTrue();

        byte[] tampered = BODY.clone();
        tampered[3] ^= 1;
        assertThat(WebhookVerifier.builder().publicKey(pair.publicKey()).clock(CLOCK).build()
                .verify(name -> header(sent, name), tampered)).isInstanceOf(VerificationResult.Rejected.class);
        assertThat(WebhookVerifier.builder().publicKey(Ed25519Keys.generate().publicKey()).clock(CLOCK).build()
                .verify(name -> header(sent, name), BODY)).as("another key").isInstanceOf(VerificationResult.Rejected.class);
    }

    @Test
    void bothSchemesAndRotationCarryOneEntryPerKey() {
        Ed25519Keys.Pair current = Ed25519Keys.generate();
        Ed25519Keys.Pair previous = Ed25519Keys.generate();
        Map<String, String> sent = headers(true, List.of(current.signingKey(), previous.signingKey()));

        String[] entries = sent.get("webhook-signature").split(" ");
        assertThat(entries).hasSize(3);
        assertThat(entries[0]).startsWith("v1,");
        assertThat(entries[1]).startsWith("v1a,");
        assertThat(entries[2]).startsWith("v1a,");
        assertThat(sent).containsKey("X-Signature");
        for (Ed25519Keys.Pair pair : List.of(current, previous)) {
            assertThat(WebhookVerifier.builder().publicKey(pair.publicKey()).clock(CLOCK).build()
                    .verify(name -> header(sent, name), BODY)).as("the old key still verifies during the grace period")
                    .isInstanceOf(VerificationResult.Verified.class);
        }
        assertThat(WebhookVerifier.builder().secret("whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=").clock(CLOCK).build()
                .verify(name -> header(sent, name), BODY)).isInstanceOf(VerificationResult.Verified.class);
    }

    @Test
    void badKeysAreRefusedWithoutShowingThem() {
        assertThatThrownBy(() -> WebhookVerifier.builder().publicKey("whpk_AAAA").build())
                .hasMessageContaining("public key #1: public key: expected 32 bytes, got 3");
        assertThatThrownBy(() -> WebhookVerifier.builder().publicKey(Ed25519Keys.generate().publicKey())
                .require(WebhookVerifier.Requirement.BOTH).build())
                .hasMessageContaining("public keys verify Standard Webhooks signatures only");
        assertThatThrownBy(() -> Ed25519Keys.checkSigningKey("whsk_!!notbase64")).hasMessage("signing key: not base64 after whsk_");
        assertThatThrownBy(() -> headers(false, List.of())).hasMessageContaining("signingKeys are required without HMAC");
    }

    private static String header(Map<String, String> headers, String name) {
        for (Map.Entry<String, String> e : headers.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }
}
