package dev.posthorn.signature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Signature vectors. The expected values were computed with CPython 3.11.7's hmac module, e.g.
 * <pre>
 * python3 -c 'import hmac,hashlib; print(hmac.new(SECRET.encode(), BODY.encode(), hashlib.sha256).hexdigest())'
 * python3 -c 'import hmac,hashlib,base64; print(base64.b64encode(hmac.new(KEY, b"evt_1.1714564800." + BODY.encode(), hashlib.sha256).digest()).decode())'
 * </pre>
 * with KEY = {@code base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")} for the whsec_ secret and
 * the secret's UTF-8 bytes otherwise.
 */
class WebhookSignerTest {

    /** Canonical envelope; CPython printed it from json.dumps(..., sort_keys=True, separators=(",", ":")). */
    private static final byte[] ENVELOPE = ("{\"created_at\":\"2024-05-01T12:00:00Z\",\"payload\":{\"amount\":12.5,"
            + "\"currency\":\"EUR\",\"customer\":{\"name\":\"Zo\\u00eb\"},\"lines\":[1,2]},\"topic\":\"invoice.created\","
            + "\"version\":1}").getBytes(StandardCharsets.US_ASCII);
    private static final String PLAIN_SECRET = "reference-secret";
    private static final String WHSEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    @Test
    void referenceSignatureMatchesPythonHmac() {
        assertThat(WebhookSigner.referenceSignature(ENVELOPE, PLAIN_SECRET))
                .isEqualTo("35c79be9a4d4df0d391a13ff3151bb6e26d145d86e7aa293b1c8978dfb7bf2ac");
        // The reference scheme keys with the whole secret string, prefix included.
        assertThat(WebhookSigner.referenceSignature(ENVELOPE, WHSEC_SECRET))
                .isEqualTo("d346340f6a23806137c6f4223a200f5e5de11c5a0ca47b1557ebc779555046d2");
    }

    @Test
    void standardSignatureMatchesPythonHmac() {
        assertThat(WebhookSigner.standardSignature("evt_1", 1714564800L, ENVELOPE, PLAIN_SECRET))
                .isEqualTo("v1,vqRdH3rD6EXQ53mjAsJTeiFRd6jLBMUKpPsNb8P9f1k=");
        assertThat(WebhookSigner.standardSignature("evt_1", 1714564800L, ENVELOPE, WHSEC_SECRET))
                .isEqualTo("v1,Xxv8wYuamSb+jMROJWD5P0o8m2gK60hnLsYcQ7sKAIo=");
    }

    /** The example published with the Standard Webhooks specification. */
    @Test
    void standardWebhooksSpecExample() {
        byte[] body = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
        assertThat(WebhookSigner.standardSignature("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330L, body, WHSEC_SECRET))
                .isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void attemptHeadersAreCompleteAndInOrder() {
        Map<String, String> headers = WebhookSigner.attemptHeaders()
                .eventId("evt_1")
                .topic("invoice.created")
                .attempt(3)
                .payloadVersion(2)
                .subscriptionId("sub-42")
                .timestamp(1714564800L)
                .body(ENVELOPE)
                .currentSecret(WHSEC_SECRET)
                .previousSecrets(List.of(PLAIN_SECRET))
                .traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                .userAgentVersion("0.1.0")
                .build();

        assertThat(headers).containsExactly(
                entry("X-Event-Id", "evt_1"),
                entry("X-Topic", "invoice.created"),
                entry("X-Attempt", "3"),
                entry("X-Signature", "d346340f6a23806137c6f4223a200f5e5de11c5a0ca47b1557ebc779555046d2"),
                entry("X-Signature-Alg", "hmac-sha256"),
                entry("X-Signature-Version", "v1"),
                entry("X-Payload-Version", "2"),
                entry("X-Webhook-Subscription", "sub-42"),
                entry("webhook-id", "evt_1"),
                entry("webhook-timestamp", "1714564800"),
                entry("webhook-signature", "v1,Xxv8wYuamSb+jMROJWD5P0o8m2gK60hnLsYcQ7sKAIo= "
                        + "v1,vqRdH3rD6EXQ53mjAsJTeiFRd6jLBMUKpPsNb8P9f1k="),
                entry("Content-Type", "application/json"),
                entry("User-Agent", "Posthorn/0.1.0"),
                entry("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
        assertThatThrownBy(() -> headers.put("X-Topic", "other")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void withoutTraceparentOrPreviousSecretsThoseAreLeftOut() {
        Map<String, String> headers = WebhookSigner.attemptHeaders()
                .eventId("evt_1").topic("invoice.created").attempt(1).payloadVersion(1).subscriptionId("sub-42")
                .timestamp(1714564800L).body(ENVELOPE).currentSecret(PLAIN_SECRET).userAgentVersion("0.1.0")
                .build();
        assertThat(headers).doesNotContainKey("traceparent").hasSize(13);
        assertThat(headers.get("webhook-signature")).isEqualTo("v1,vqRdH3rD6EXQ53mjAsJTeiFRd6jLBMUKpPsNb8P9f1k=");
    }

    @Test
    void incompleteBuilderNamesEveryProblemButNoSecret() {
        assertThatThrownBy(() -> WebhookSigner.attemptHeaders().currentSecret(WHSEC_SECRET).attempt(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll("eventId is required", "topic is required", "subscriptionId is required",
                        "userAgentVersion is required", "attempt must be 1 or more", "payloadVersion is required",
                        "timestamp must be set", "body is required")
                .message().doesNotContain(WHSEC_SECRET).doesNotContain("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    }

    @Test
    void headerInjectionThroughFieldsIsRefused() {
        assertThatThrownBy(() -> WebhookSigner.attemptHeaders()
                .eventId("evt_1").topic("invoice.created\r\nX-Evil: 1").attempt(1).payloadVersion(1)
                .subscriptionId("sub").timestamp(1L).body(ENVELOPE).currentSecret(PLAIN_SECRET)
                .userAgentVersion("0.1.0").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("topic must be printable ASCII");
    }

    @Test
    void malformedWhsecSecretIsRefusedWithoutEchoingIt() {
        assertThatThrownBy(() -> WebhookSigner.standardSignature("id", 1L, ENVELOPE, "whsec_not*base64"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must continue with base64")
                .message().doesNotContain("not*base64");
        assertThatThrownBy(() -> WebhookSigner.referenceSignature(ENVELOPE, ""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void generatedSecretsAreStandardWebhooksSecretsOf32RandomBytes() {
        Set<String> secrets = IntStream.range(0, 20).mapToObj(i -> WebhookSecrets.generate()).collect(Collectors.toSet());
        assertThat(secrets).hasSize(20).allSatisfy(secret -> {
            assertThat(secret).startsWith("whsec_");
            assertThat(Base64.getDecoder().decode(secret.substring("whsec_".length()))).hasSize(32);
        });
    }
}
