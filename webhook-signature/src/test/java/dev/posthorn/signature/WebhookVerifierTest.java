package dev.posthorn.signature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.posthorn.signature.VerificationResult.Reason;
import dev.posthorn.signature.VerificationResult.Rejected;
import dev.posthorn.signature.VerificationResult.Verified;
import dev.posthorn.signature.WebhookVerifier.Requirement;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.assertj.core.api.Condition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WebhookVerifierTest {

    private static final long NOW = SignedRequest.NOW;

    private static WebhookVerifier.Builder verifier() {
        return WebhookVerifier.builder().secret(SignedRequest.SECRET).clock(SignedRequest.CLOCK);
    }

    /** The example published with the Standard Webhooks specification. */
    @Test
    void standardWebhooksSpecExampleVerifies() {
        WebhookVerifier verifier = WebhookVerifier.builder()
                .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
                .clock(Clock.fixed(Instant.ofEpochSecond(1614265330L), ZoneOffset.UTC))
                .build();
        Map<String, List<String>> headers = Map.of(
                "webhook-id", List.of("msg_p5jXN8AQM9LWM0D4loKWxJek"),
                "webhook-timestamp", List.of("1614265330"),
                "webhook-signature", List.of("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));

        VerificationResult result = verifier.verify(headers, "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8));

        assertThat(result).isEqualTo(new Verified(SignatureScheme.STANDARD, 0));
        assertThat(verifier.verify(headers, "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8)))
                .is(rejected(Reason.NO_MATCHING_SIGNATURE));
    }

    @Test
    void defaultRequirementIsStandardWebhooks() {
        SignedRequest referenceOnly = SignedRequest.valid()
                .withoutHeader("webhook-id").withoutHeader("webhook-timestamp").withoutHeader("webhook-signature");
        assertThat(referenceOnly.verifyWith(verifier().build())).is(rejected(Reason.MISSING_HEADER));
        assertThat(SignedRequest.valid().withoutHeader("X-Signature").verifyWith(verifier().build()))
                .isEqualTo(new Verified(SignatureScheme.STANDARD, 0));
    }

    @Test
    void timestampOutsideToleranceIsRejectedEitherWay() {
        WebhookVerifier verifier = verifier().build();
        long tolerance = WebhookVerifier.DEFAULT_TOLERANCE.getSeconds();
        assertThat(tolerance).isEqualTo(300);

        assertThat(signedAt(NOW - tolerance).verifyWith(verifier)).isEqualTo(new Verified(SignatureScheme.STANDARD, 0));
        assertThat(signedAt(NOW + tolerance).verifyWith(verifier)).isEqualTo(new Verified(SignatureScheme.STANDARD, 0));

        VerificationResult old = signedAt(NOW - tolerance - 1).verifyWith(verifier);
        assertThat(old).isInstanceOfSatisfying(Rejected.class, r -> {
            assertThat(r.reason()).isEqualTo(Reason.TIMESTAMP_TOO_OLD);
            assertThat(r.detail()).isEqualTo("webhook-timestamp is 301 s in the past; tolerance is 300 s");
        });
        assertThat(signedAt(NOW + tolerance + 1).verifyWith(verifier)).is(rejected(Reason.TIMESTAMP_TOO_NEW));
    }

    @Test
    void toleranceIsConfigurable() {
        WebhookVerifier strict = verifier().tolerance(Duration.ofSeconds(10)).build();
        assertThat(signedAt(NOW - 11).verifyWith(strict)).is(rejected(Reason.TIMESTAMP_TOO_OLD));
        assertThat(signedAt(NOW - 10).verifyWith(strict).isVerified()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"webhook-id", "webhook-timestamp", "webhook-signature"})
    void missingStandardHeaderIsNamed(String header) {
        VerificationResult result = SignedRequest.valid().withoutHeader(header).verifyWith(verifier().build());
        assertThat(result).isEqualTo(new Rejected(Reason.MISSING_HEADER, "missing header " + header));
        assertThat(SignedRequest.valid().withHeader(header, " ").verifyWith(verifier().build()))
                .isEqualTo(new Rejected(Reason.MISSING_HEADER, "missing header " + header));
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "-1714564800", "1714564800.0", "+1714564800", "1234567890123456789", "1e9"})
    void malformedTimestampIsRejected(String timestamp) {
        VerificationResult result = SignedRequest.valid().withHeader("webhook-timestamp", timestamp)
                .verifyWith(verifier().build());
        assertThat(result).is(rejected(Reason.MALFORMED_TIMESTAMP));
    }

    @Test
    void anyMatchingV1EntryCountsAndOtherVersionsAreIgnored() {
        SignedRequest valid = SignedRequest.valid();
        String good = valid.headers.get("webhook-signature");
        String goodBase64 = good.substring(3);
        WebhookVerifier verifier = verifier().build();

        assertThat(valid.withHeader("webhook-signature", "v1,AAAA v1,not*base64 v2," + goodBase64 + " " + good)
                .verifyWith(verifier)).isEqualTo(new Verified(SignatureScheme.STANDARD, 0));
        assertThat(valid.withHeader("webhook-signature", "  " + good + "  ").verifyWith(verifier).isVerified()).isTrue();
        assertThat(valid.withHeader("webhook-signature", "v1a," + goodBase64 + " v2," + goodBase64).verifyWith(verifier))
                .isEqualTo(new Rejected(Reason.NO_MATCHING_SIGNATURE, "webhook-signature has no readable v1 entry"));
    }

    @Test
    void rotationAcceptsEitherSecretAndReportsWhichMatched() {
        String newSecret = WebhookSecrets.generate();
        String oldSecret = "legacy plain secret";
        WebhookVerifier verifier = WebhookVerifier.builder()
                .secrets(List.of(newSecret, oldSecret)).clock(SignedRequest.CLOCK).require(Requirement.BOTH).build();
        byte[] body = SignedRequest.BODY.getBytes(StandardCharsets.UTF_8);

        assertThat(SignedRequest.signed(body, NOW, newSecret).verifyWith(verifier))
                .isEqualTo(new Verified(SignatureScheme.STANDARD, 0));
        assertThat(SignedRequest.signed(body, NOW, oldSecret).verifyWith(verifier))
                .isEqualTo(new Verified(SignatureScheme.STANDARD, 1));
        // Sender rotated already: X-Signature uses the new secret, webhook-signature carries both.
        assertThat(SignedRequest.signed(body, NOW, newSecret, oldSecret).verifyWith(verifier))
                .isEqualTo(new Verified(SignatureScheme.STANDARD, 0));
        // Receiver has not learnt the new secret yet: the old entry in webhook-signature still matches.
        WebhookVerifier oldOnly = WebhookVerifier.builder().secret(oldSecret).clock(SignedRequest.CLOCK).build();
        assertThat(SignedRequest.signed(body, NOW, newSecret, oldSecret).verifyWith(oldOnly))
                .isEqualTo(new Verified(SignatureScheme.STANDARD, 0));
        assertThat(SignedRequest.signed(body, NOW, WebhookSecrets.generate()).verifyWith(verifier))
                .is(rejected(Reason.NO_MATCHING_SIGNATURE));
    }

    @Test
    void referenceSchemeReSerialisesTheBodyLikeTheReferenceDesign() {
        WebhookVerifier verifier = verifier().require(Requirement.REFERENCE).build();
        SignedRequest valid = SignedRequest.valid();
        assertThat(valid.verifyWith(verifier)).isEqualTo(new Verified(SignatureScheme.REFERENCE, 0));

        // Same JSON value, different bytes: the reference scheme signs the canonical form.
        String spaced = "{ \"version\": 1, \"topic\": \"invoice.created\", \"payload\": {\"amount\": 12.50},"
                + " \"created_at\": \"2024-05-01T12:00:00Z\" }";
        assertThat(valid.withBody(spaced).verifyWith(verifier)).isEqualTo(new Verified(SignatureScheme.REFERENCE, 0));
        assertThat(valid.withBody(spaced.replace("12.50", "12.51")).verifyWith(verifier))
                .is(rejected(Reason.NO_MATCHING_SIGNATURE));
        assertThat(valid.withHeader("X-Signature", valid.headers.get("X-Signature").toUpperCase()).verifyWith(verifier))
                .isEqualTo(new Verified(SignatureScheme.REFERENCE, 0));
        assertThat(valid.withHeader("X-Signature", "not hex").verifyWith(verifier))
                .isEqualTo(new Rejected(Reason.NO_MATCHING_SIGNATURE, "X-Signature is not hexadecimal"));
    }

    @Test
    void referenceSchemeNeedsAJsonBody() {
        WebhookVerifier verifier = verifier().require(Requirement.REFERENCE).build();
        assertThat(SignedRequest.valid().withBody("{\"a\":").verifyWith(verifier)).isEqualTo(
                new Rejected(Reason.BODY_NOT_JSON, "body is not JSON: Expecting value: line 1 column 6 (char 5)"));
        assertThat(SignedRequest.valid().withBody(new byte[] {'"', (byte) 0xC3, '"'}).verifyWith(verifier))
                .isEqualTo(new Rejected(Reason.BODY_NOT_JSON, "body is not valid UTF-8"));
        // Missing header is checked first, as the reference design's dependency does.
        assertThat(SignedRequest.valid().withBody("nope").withoutHeader("X-Signature").verifyWith(verifier))
                .isEqualTo(new Rejected(Reason.MISSING_HEADER, "missing header X-Signature"));
    }

    @Test
    void standardSchemeDoesNotCareWhetherTheBodyIsJson() {
        byte[] body = "not json at all".getBytes(StandardCharsets.UTF_8);
        assertThat(SignedRequest.signed(body, NOW, SignedRequest.SECRET).verifyWith(verifier().build()).isVerified())
                .isTrue();
    }

    @Test
    void eitherAcceptsWhicheverSchemeIsPresent() {
        WebhookVerifier verifier = verifier().require(Requirement.EITHER).build();
        SignedRequest valid = SignedRequest.valid();
        assertThat(valid.verifyWith(verifier)).isEqualTo(new Verified(SignatureScheme.STANDARD, 0));
        assertThat(valid.withoutHeader("webhook-signature").verifyWith(verifier))
                .isEqualTo(new Verified(SignatureScheme.REFERENCE, 0));
        assertThat(valid.withoutHeader("X-Signature").verifyWith(verifier))
                .isEqualTo(new Verified(SignatureScheme.STANDARD, 0));
        assertThat(valid.withoutHeader("X-Signature").withoutHeader("webhook-id").verifyWith(verifier))
                .isEqualTo(new Rejected(Reason.MISSING_HEADER, "no signature: expected webhook-id, webhook-timestamp "
                        + "and webhook-signature, or X-Signature"));
        // The attempted scheme's failure is reported, not the absent one's.
        assertThat(valid.withoutHeader("X-Signature").withHeader("webhook-timestamp", "1").verifyWith(verifier))
                .is(rejected(Reason.TIMESTAMP_TOO_OLD));
        assertThat(valid.withoutHeader("webhook-id").withBody("[1]").verifyWith(verifier))
                .is(rejected(Reason.NO_MATCHING_SIGNATURE));
    }

    @Test
    void bothRequiresBothSchemes() {
        WebhookVerifier verifier = verifier().require(Requirement.BOTH).build();
        SignedRequest valid = SignedRequest.valid();
        assertThat(valid.verifyWith(verifier)).isEqualTo(new Verified(SignatureScheme.STANDARD, 0));
        assertThat(valid.withoutHeader("X-Signature").verifyWith(verifier)).is(rejected(Reason.MISSING_HEADER));
        assertThat(valid.withHeader("X-Signature", "00".repeat(32)).verifyWith(verifier))
                .is(rejected(Reason.NO_MATCHING_SIGNATURE));
        assertThat(valid.withoutHeader("webhook-signature").verifyWith(verifier)).is(rejected(Reason.MISSING_HEADER));
    }

    @Test
    void headerNamesAreMatchedIgnoringCase() {
        SignedRequest valid = SignedRequest.valid();
        WebhookVerifier verifier = verifier().require(Requirement.BOTH).build();
        Map<String, List<String>> shouting = new TreeMap<>();
        valid.headers.forEach((name, value) -> shouting.put(name.toUpperCase(), List.of(value)));

        assertThat(verifier.verify(shouting, valid.body)).isEqualTo(new Verified(SignatureScheme.STANDARD, 0));
        assertThat(verifier.verify(valid.lookup(), valid.body)).isEqualTo(new Verified(SignatureScheme.STANDARD, 0));
    }

    @Test
    void nothingEverShowsASecretOrASignature() {
        String secret = "whsec_" + "c2VjcmV0LXRoYXQtbXVzdC1uZXZlci1sZWFr";
        String plain = "plain-secret-that-must-never-leak";
        WebhookVerifier verifier = WebhookVerifier.builder().secrets(List.of(secret, plain))
                .clock(SignedRequest.CLOCK).require(Requirement.BOTH).build();
        byte[] body = SignedRequest.BODY.getBytes(StandardCharsets.UTF_8);
        SignedRequest request = SignedRequest.signed(body, NOW, secret, plain);

        List<String> texts = new ArrayList<>();
        texts.add(verifier.toString());
        for (SignedRequest variant : List.of(
                request.withBody("[2]"),
                request.withHeader("X-Signature", request.headers.get("X-Signature").replace('a', 'b')),
                request.withHeader("webhook-timestamp", "0"),
                request.withHeader("webhook-timestamp", secret),
                request.withHeader("webhook-id", "other"),
                request.withoutHeader("webhook-signature"))) {
            VerificationResult result = variant.verifyWith(verifier);
            assertThat(result).isInstanceOf(Rejected.class);
            texts.add(result.toString());
        }
        for (String bad : List.of("whsec_" + "*" + secret, "")) {
            try {
                WebhookVerifier.builder().secret(bad).build();
            } catch (IllegalArgumentException e) {
                texts.add(e.getMessage());
            }
        }
        assertThat(texts).hasSize(9);
        for (String text : texts) {
            assertThat(text).doesNotContain(secret.substring(6), plain,
                    request.headers.get("X-Signature").substring(0, 16),
                    request.headers.get("webhook-signature").substring(3, 19));
        }
    }

    @Test
    void builderReportsEveryProblem() {
        assertThatThrownBy(() -> WebhookVerifier.builder().tolerance(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll("at least one secret or public key is required", "tolerance must be at least one second");
        assertThatThrownBy(() -> WebhookVerifier.builder().secret("ok").secret(null).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("secret #2: a webhook secret must not be null or empty");
        assertThatThrownBy(() -> WebhookVerifier.builder().secret("whsec_!!").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("secret #1: a secret starting with whsec_ must continue with base64");
    }

    @Test
    void toStringShowsConfigurationOnly() {
        assertThat(verifier().secret("second").build().toString())
                .isEqualTo("WebhookVerifier[require=STANDARD, secrets=2, tolerance=PT5M]");
    }

    private static SignedRequest signedAt(long timestamp) {
        return SignedRequest.signed(SignedRequest.BODY.getBytes(StandardCharsets.UTF_8), timestamp, SignedRequest.SECRET);
    }

    /** Any rejection for the reason, whatever the detail. */
    private static Condition<VerificationResult> rejected(Reason reason) {
        return new Condition<>(r -> r instanceof Rejected && ((Rejected) r).reason() == reason, "rejected for " + reason);
    }
}
