package dev.posthorn.signature;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.posthorn.signature.VerificationResult.Reason;
import dev.posthorn.signature.VerificationResult.Rejected;
import dev.posthorn.signature.WebhookVerifier.Requirement;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Sign → verify round trips for random JSON documents and random secrets, and single-byte
 * tampering with body, id or timestamp never verifies. Seeded, so a failure reproduces.
 */
class SignVerifyPropertyTest {

    private static final int DOCUMENTS = 500;
    private static final long SEED = 20240501L;
    private static final ObjectMapper JACKSON = new ObjectMapper();

    @Test
    void signedDeliveriesVerifyAndAnySingleByteChangeFails() throws Exception {
        Random random = new Random(SEED);
        for (int n = 0; n < DOCUMENTS; n++) {
            String text = randomDocument(random);
            byte[] body = CanonicalJson.canonicalBytes(text);
            String context = "document #" + n + ": " + text;

            // Canonicalisation keeps the meaning (checked by an independent parser) and is stable.
            assertThat(JACKSON.readTree(body)).as(context).isEqualTo(JACKSON.readTree(text));
            assertThat(CanonicalJson.canonicalBytes(new String(body, StandardCharsets.US_ASCII))).as(context).isEqualTo(body);

            String current = randomSecret(random);
            String previous = randomSecret(random);
            long timestamp = SignedRequest.NOW - random.nextInt(300);
            String id = "evt_" + Long.toHexString(random.nextLong());
            Map<String, String> headers = WebhookSigner.attemptHeaders()
                    .eventId(id).topic("t").attempt(1 + random.nextInt(5)).payloadVersion(1).subscriptionId("s")
                    .timestamp(timestamp).body(body).currentSecret(current).previousSecrets(List.of(previous))
                    .userAgentVersion("test").build();

            WebhookVerifier standard = verifier(Requirement.STANDARD, random.nextBoolean() ? current : previous);
            WebhookVerifier reference = verifier(Requirement.REFERENCE, current);
            WebhookVerifier both = verifier(Requirement.BOTH, current);
            assertThat(both.verify(lookup(headers), body).isVerified()).as(context).isTrue();
            assertThat(standard.verify(lookup(headers), body).isVerified()).as(context).isTrue();
            assertThat(reference.verify(lookup(headers), body).isVerified()).as(context).isTrue();

            byte[] tampered = changeOneByte(body, random);
            assertThat(standard.verify(lookup(headers), tampered)).as(context).isInstanceOfSatisfying(Rejected.class,
                    rejected -> assertThat(rejected.reason()).isEqualTo(Reason.NO_MATCHING_SIGNATURE));
            VerificationResult referenceResult = reference.verify(lookup(headers), tampered);
            if (referenceResult.isVerified()) {
                // Only possible when the change does not alter the JSON value, e.g. \u00e9 → \u00E9:
                // the reference scheme signs the value's canonical form, by design.
                assertThat(CanonicalJson.canonicalBytes(new String(tampered, StandardCharsets.UTF_8)))
                        .as(context + " tampered as " + new String(tampered, StandardCharsets.UTF_8))
                        .isEqualTo(body);
            }

            Map<String, String> otherId = copyWith(headers, "webhook-id", changeOneChar(id, random));
            assertThat(standard.verify(lookup(otherId), body).isVerified()).as(context).isFalse();

            Map<String, String> otherTime = copyWith(headers, "webhook-timestamp",
                    changeOneChar(headers.get("webhook-timestamp"), random));
            assertThat(standard.verify(lookup(otherTime), body)).as(context).isInstanceOf(Rejected.class);
        }
    }

    private static WebhookVerifier verifier(Requirement requirement, String secret) {
        return WebhookVerifier.builder().secret(secret).require(requirement).clock(SignedRequest.CLOCK).build();
    }

    private static java.util.function.Function<String, String> lookup(Map<String, String> headers) {
        return name -> headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue).findFirst().orElse(null);
    }

    private static Map<String, String> copyWith(Map<String, String> headers, String name, String value) {
        Map<String, String> copy = new java.util.LinkedHashMap<>(headers);
        copy.put(name, value);
        return copy;
    }

    private static byte[] changeOneByte(byte[] bytes, Random random) {
        byte[] copy = Arrays.copyOf(bytes, bytes.length);
        int index = random.nextInt(copy.length);
        copy[index] = (byte) (copy[index] + 1 + random.nextInt(255));
        return copy;
    }

    private static String changeOneChar(String s, Random random) {
        char[] chars = s.toCharArray();
        int index = random.nextInt(chars.length);
        char replacement;
        do {
            replacement = (char) (0x21 + random.nextInt(0x5e));
        } while (replacement == chars[index]);
        chars[index] = replacement;
        return new String(chars);
    }

    /** Either a Standard Webhooks secret or an arbitrary string, possibly non-ASCII. */
    private static String randomSecret(Random random) {
        if (random.nextBoolean()) {
            byte[] key = new byte[16 + random.nextInt(33)];
            random.nextBytes(key);
            return "whsec_" + Base64.getEncoder().encodeToString(key);
        }
        StringBuilder secret = new StringBuilder();
        int length = 1 + random.nextInt(40);
        for (int i = 0; i < length; i++) {
            secret.appendCodePoint(random.nextInt(10) == 0 ? 0xa1 + random.nextInt(0x2000) : 0x21 + random.nextInt(0x5e));
        }
        return secret.toString();
    }

    // ---- random JSON text, deliberately not canonical: whitespace, escapes, number spellings ----

    private static String randomDocument(Random random) {
        StringBuilder out = new StringBuilder();
        whitespace(out, random);
        value(out, random, 0);
        whitespace(out, random);
        return out.toString();
    }

    private static void value(StringBuilder out, Random random, int depth) {
        int kind = random.nextInt(depth >= 4 ? 4 : 7);
        switch (kind) {
            case 0 -> string(out, random);
            case 1, 2 -> number(out, random);
            case 3 -> out.append(random.nextBoolean() ? "true" : random.nextBoolean() ? "false" : "null");
            case 4 -> {
                out.append('[');
                int size = random.nextInt(5);
                for (int i = 0; i < size; i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    whitespace(out, random);
                    value(out, random, depth + 1);
                    whitespace(out, random);
                }
                out.append(']');
            }
            default -> {
                out.append('{');
                int size = random.nextInt(6);
                for (int i = 0; i < size; i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    whitespace(out, random);
                    string(out, random);
                    whitespace(out, random);
                    out.append(':');
                    whitespace(out, random);
                    value(out, random, depth + 1);
                }
                out.append('}');
            }
        }
    }

    private static void number(StringBuilder out, Random random) {
        switch (random.nextInt(9)) {
            case 0 -> out.append(random.nextInt(2000) - 1000);
            case 1 -> out.append(random.nextLong());
            case 2 -> out.append(random.nextBoolean() ? "-" : "").append(1 + random.nextInt(9))
                    .append(String.format(java.util.Locale.ROOT, "%029d", Math.abs(random.nextLong() % 1_000_000_000_000_000L)));
            case 3 -> out.append(Double.toString((random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(60) - 30)));
            case 4 -> out.append(String.format(java.util.Locale.ROOT, "%.4f", random.nextDouble() * 1000));
            case 5 -> out.append(random.nextInt(100)).append(random.nextBoolean() ? 'e' : 'E')
                    .append(random.nextBoolean() ? "-" : "+").append(random.nextInt(25));
            case 6 -> out.append(List.of("-0", "-0.0", "0.0", "1E2", "1.50", "0.1", "1e-05", "1e16", "1.5e300").get(random.nextInt(9)));
            case 7 -> out.append(random.nextDouble());
            default -> out.append(random.nextInt(10)).append('.').append(random.nextInt(1000)).append("00");
        }
    }

    private static void string(StringBuilder out, Random random) {
        out.append('"');
        int length = random.nextInt(10);
        for (int i = 0; i < length; i++) {
            int codePoint = switch (random.nextInt(8)) {
                case 0 -> random.nextInt(0x20);                  // control characters
                case 1 -> "\"\\/".charAt(random.nextInt(3));
                case 2 -> 0x80 + random.nextInt(0x780);           // Latin and friends
                case 3 -> 0xE000 + random.nextInt(0x2000);        // private use up to U+FFFF
                case 4 -> 0x10000 + random.nextInt(0x100000);     // beyond the BMP
                default -> 0x20 + random.nextInt(0x5f);           // printable ASCII
            };
            boolean escape = codePoint < 0x20 || codePoint == '"' || codePoint == '\\' || random.nextInt(4) == 0;
            if (!escape) {
                out.appendCodePoint(codePoint);
            } else if (codePoint == '"' || codePoint == '\\') {
                out.append('\\').appendCodePoint(codePoint);
            } else {
                for (char unit : Character.toChars(codePoint)) {
                    String hex = String.format(java.util.Locale.ROOT, "%04x", (int) unit);
                    out.append("\\u").append(random.nextBoolean() ? hex : hex.toUpperCase(java.util.Locale.ROOT));
                }
            }
        }
        out.append('"');
    }

    private static void whitespace(StringBuilder out, Random random) {
        int count = random.nextInt(3) == 0 ? random.nextInt(3) : 0;
        for (int i = 0; i < count; i++) {
            out.append(" \t\n\r".charAt(random.nextInt(4)));
        }
    }
}
