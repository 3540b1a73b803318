package dev.posthorn.signature;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Test fixture: one signed delivery as a receiver sees it, with fluent variations, e.g.
 * {@code SignedRequest.valid().withTimestamp(t - 301).withoutHeader("webhook-id")}.
 */
final class SignedRequest {

    static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    static final long NOW = 1_714_564_800L;
    static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC);
    static final String BODY = "{\"created_at\":\"2024-05-01T12:00:00Z\",\"payload\":{\"amount\":12.5},"
            + "\"topic\":\"invoice.created\",\"version\":1}";

    final Map<String, String> headers;
    final byte[] body;

    private SignedRequest(Map<String, String> headers, byte[] body) {
        this.headers = headers;
        this.body = body;
    }

    /** A delivery signed with {@link #SECRET} at {@link #NOW}. */
    static SignedRequest valid() {
        return signed(BODY.getBytes(StandardCharsets.UTF_8), NOW, SECRET);
    }

    /** Signed with the first secret as current and the others as previous. */
    static SignedRequest signed(byte[] body, long timestamp, String current, String... previous) {
        Map<String, String> headers = WebhookSigner.attemptHeaders()
                .eventId("0b0e2c52-9f3c-4d1e-8a53-1f2a3b4c5d6e")
                .topic("invoice.created")
                .attempt(1)
                .payloadVersion(1)
                .subscriptionId("sub-1")
                .timestamp(timestamp)
                .body(body)
                .currentSecret(current)
                .previousSecrets(List.of(previous))
                .userAgentVersion("0.1.0")
                .build();
        return new SignedRequest(new LinkedHashMap<>(headers), body);
    }

    SignedRequest withHeader(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new SignedRequest(copy, body);
    }

    SignedRequest withoutHeader(String name) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.remove(name);
        return new SignedRequest(copy, body);
    }

    SignedRequest withBody(byte[] newBody) {
        return new SignedRequest(headers, newBody);
    }

    SignedRequest withBody(String newBody) {
        return withBody(newBody.getBytes(StandardCharsets.UTF_8));
    }

    /** Headers as a servlet-style lookup that ignores case. */
    Function<String, String> lookup() {
        return name -> headers.entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(null);
    }

    Map<String, List<String>> multiMap() {
        Map<String, List<String>> map = new LinkedHashMap<>();
        headers.forEach((name, value) -> map.put(name, List.of(value)));
        return map;
    }

    VerificationResult verifyWith(WebhookVerifier verifier) {
        return verifier.verify(multiMap(), body);
    }
}
