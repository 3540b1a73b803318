package dev.posthorn.signature;

import dev.posthorn.signature.VerificationResult.Reason;
import dev.posthorn.signature.VerificationResult.Rejected;
import dev.posthorn.signature.VerificationResult.Verified;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Checks that a webhook request really comes from Posthorn (or any sender of the same schemes),
 * for subscribers. Immutable and thread-safe; build one at start-up and share it.
 *
 * <pre>{@code
 * WebhookVerifier verifier = WebhookVerifier.builder()
 *         .secret(newSecret).secret(oldSecret)   // during rotation, newest first
 *         .build();
 * VerificationResult result = verifier.verify(headers, rawBody);
 * }</pre>
 *
 * Defaults, each set in {@link Builder}: require {@link Requirement#STANDARD}, tolerance
 * {@link #DEFAULT_TOLERANCE}, {@link Clock#systemUTC()}.
 *
 * <p>Signatures are compared in constant time. Verify the raw body bytes as received, before any
 * parsing: the Standard Webhooks signature covers exactly those bytes.
 */
public final class WebhookVerifier {

    /** Which schemes a request must carry valid signatures for. */
    public enum Requirement {
        /**
         * Standard Webhooks only (the default): the signature covers id, timestamp and body, and the
         * timestamp tolerance rejects replays of old requests.
         */
        STANDARD,
        /**
         * Reference scheme only ({@code X-Signature}), as the reference design's verifier checks it:
         * the body is parsed as JSON, re-serialised canonically and the HMAC taken over those bytes.
         * No timestamp is involved, so replays are not detected.
         */
        REFERENCE,
        /**
         * Either scheme suffices: Standard Webhooks is tried first, then the reference scheme. Since
         * a request carrying only a valid {@code X-Signature} passes, this is no stronger than
         * {@link #REFERENCE} against replays; use it when some senders only sign that way.
         */
        EITHER,
        /** Both schemes must verify. */
        BOTH
    }

    /** Default accepted distance between {@code webhook-timestamp} and the clock, in either direction. */
    public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

    private static final HexFormat HEX = HexFormat.of();

    private final List<byte[]> referenceKeys;
    private final List<byte[]> standardKeys;
    private final int secretCount;
    private final List<java.security.PublicKey> publicKeys;
    private final long toleranceSeconds;
    private final Duration tolerance;
    private final Clock clock;
    private final Requirement requirement;

    private WebhookVerifier(Builder builder, List<byte[]> referenceKeys, List<byte[]> standardKeys) {
        this.referenceKeys = referenceKeys;
        this.standardKeys = standardKeys;
        this.secretCount = builder.secrets.size();
        this.publicKeys = List.copyOf(builder.publicKeys);
        this.tolerance = builder.tolerance;
        this.toleranceSeconds = builder.tolerance.getSeconds();
        this.clock = builder.clock;
        this.requirement = builder.requirement;
    }

    /** A builder: at least one secret is required; the rest has defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Verifies a request given its headers as a map, e.g. {@code HttpExchange.getRequestHeaders()}.
     * Names are matched case-insensitively; of a repeated header the first value counts.
     */
    public VerificationResult verify(Map<String, ? extends List<String>> headers, byte[] rawBody) {
        Objects.requireNonNull(headers, "headers");
        return verify(name -> firstValue(headers, name), rawBody);
    }

    /**
     * Verifies a request given a header lookup that returns a header's value or null, e.g.
     * {@code request::getHeader} of a servlet request. The lookup must ignore case, as HTTP does.
     */
    public VerificationResult verify(Function<String, String> header, byte[] rawBody) {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(rawBody, "rawBody");
        switch (requirement) {
            case STANDARD:
                return checkStandard(header, rawBody);
            case REFERENCE:
                return checkReference(header, rawBody);
            case BOTH: {
                VerificationResult standard = checkStandard(header, rawBody);
                if (!standard.isVerified()) {
                    return standard;
                }
                VerificationResult reference = checkReference(header, rawBody);
                return reference.isVerified() ? standard : reference;
            }
            case EITHER: {
                VerificationResult standard = checkStandard(header, rawBody);
                if (standard.isVerified()) {
                    return standard;
                }
                VerificationResult reference = checkReference(header, rawBody);
                if (reference.isVerified()) {
                    return reference;
                }
                return moreTelling((Rejected) standard, (Rejected) reference);
            }
            default:
                throw new AssertionError(requirement);
        }
    }

    private VerificationResult checkStandard(Function<String, String> header, byte[] body) {
        String id = header.apply(WebhookHeaders.WEBHOOK_ID);
        String timestampText = header.apply(WebhookHeaders.WEBHOOK_TIMESTAMP);
        String signatures = header.apply(WebhookHeaders.WEBHOOK_SIGNATURE);
        if (isBlank(id)) {
            return missing(WebhookHeaders.WEBHOOK_ID);
        }
        if (isBlank(timestampText)) {
            return missing(WebhookHeaders.WEBHOOK_TIMESTAMP);
        }
        if (isBlank(signatures)) {
            return missing(WebhookHeaders.WEBHOOK_SIGNATURE);
        }
        long timestamp = parseUnixSeconds(timestampText.trim());
        if (timestamp < 0) {
            return new Rejected(Reason.MALFORMED_TIMESTAMP,
                    WebhookHeaders.WEBHOOK_TIMESTAMP + " is not a whole number of unix seconds");
        }
        long now = clock.instant().getEpochSecond();
        if (timestamp < now - toleranceSeconds) {
            return new Rejected(Reason.TIMESTAMP_TOO_OLD, WebhookHeaders.WEBHOOK_TIMESTAMP + " is "
                    + (now - timestamp) + " s in the past; tolerance is " + toleranceSeconds + " s");
        }
        if (timestamp > now + toleranceSeconds) {
            return new Rejected(Reason.TIMESTAMP_TOO_NEW, WebhookHeaders.WEBHOOK_TIMESTAMP + " is "
                    + (timestamp - now) + " s in the future; tolerance is " + toleranceSeconds + " s");
        }
        List<byte[]> presented = decodeEntries(signatures, "v1,");
        List<byte[]> asymmetric = publicKeys.isEmpty() ? List.of() : decodeEntries(signatures, "v1a,");
        if (presented.isEmpty() && asymmetric.isEmpty()) {
            return new Rejected(Reason.NO_MATCHING_SIGNATURE, WebhookHeaders.WEBHOOK_SIGNATURE + " has no readable "
                    + (publicKeys.isEmpty() ? "v1" : standardKeys.isEmpty() ? "v1a" : "v1 or v1a") + " entry");
        }
        if (!asymmetric.isEmpty()) {
            byte[] content = WebhookSigner.signedContent(id, timestamp, body);
            for (int i = 0; i < publicKeys.size(); i++) {
                for (byte[] candidate : asymmetric) {
                    if (Ed25519Keys.verify(publicKeys.get(i), content, candidate)) {
                        return new Verified(SignatureScheme.STANDARD, secretCount + i);
                    }
                }
            }
        }
        for (int i = 0; i < standardKeys.size(); i++) {
            byte[] expected = Hmac.ofStandardContent(standardKeys.get(i), id, timestamp, body);
            for (byte[] candidate : presented) {
                if (MessageDigest.isEqual(expected, candidate)) {
                    return new Verified(SignatureScheme.STANDARD, i);
                }
            }
        }
        return new Rejected(Reason.NO_MATCHING_SIGNATURE, "none of the " + (presented.size() + asymmetric.size())
                + " entries of " + WebhookHeaders.WEBHOOK_SIGNATURE + " matches any of the " + secretCount + " secrets"
                + (publicKeys.isEmpty() ? "" : " and " + publicKeys.size() + " public keys"));
    }

    private VerificationResult checkReference(Function<String, String> header, byte[] body) {
        String signature = header.apply(WebhookHeaders.SIGNATURE);
        if (isBlank(signature)) {
            return missing(WebhookHeaders.SIGNATURE);
        }
        byte[] canonical;
        try {
            canonical = CanonicalJson.canonicalBytes(decodeUtf8(body));
        } catch (CharacterCodingException e) {
            return new Rejected(Reason.BODY_NOT_JSON, "body is not valid UTF-8");
        } catch (InvalidJsonException e) {
            return new Rejected(Reason.BODY_NOT_JSON, "body is not JSON: " + e.getMessage());
        }
        byte[] presented;
        try {
            presented = HEX.parseHex(signature.trim());
        } catch (IllegalArgumentException e) {
            return new Rejected(Reason.NO_MATCHING_SIGNATURE, WebhookHeaders.SIGNATURE + " is not hexadecimal");
        }
        for (int i = 0; i < referenceKeys.size(); i++) {
            if (MessageDigest.isEqual(Hmac.ofBody(referenceKeys.get(i), canonical), presented)) {
                return new Verified(SignatureScheme.REFERENCE, i);
            }
        }
        return new Rejected(Reason.NO_MATCHING_SIGNATURE,
                WebhookHeaders.SIGNATURE + " matches none of the " + secretCount + " secrets");
    }

    /** Under EITHER, a scheme that was attempted explains more than one whose headers are absent. */
    private static Rejected moreTelling(Rejected standard, Rejected reference) {
        if (standard.reason() == Reason.MISSING_HEADER && reference.reason() == Reason.MISSING_HEADER) {
            return new Rejected(Reason.MISSING_HEADER, "no signature: expected " + WebhookHeaders.WEBHOOK_ID + ", "
                    + WebhookHeaders.WEBHOOK_TIMESTAMP + " and " + WebhookHeaders.WEBHOOK_SIGNATURE
                    + ", or " + WebhookHeaders.SIGNATURE);
        }
        return standard.reason() == Reason.MISSING_HEADER ? reference : standard;
    }

    private static List<byte[]> decodeEntries(String header, String version) {
        List<byte[]> entries = new ArrayList<>(2);
        Base64.Decoder decoder = Base64.getDecoder();
        int length = header.length();
        int start = 0;
        while (start < length) {
            int end = header.indexOf(' ', start);
            if (end < 0) {
                end = length;
            }
            // Entries of other versions are skipped, as the Standard Webhooks spec asks.
            if (header.startsWith(version, start)) {
                try {
                    entries.add(decoder.decode(header.substring(start + version.length(), end)));
                } catch (IllegalArgumentException e) {
                    // An unreadable entry matches nothing; another entry may still match.
                }
            }
            start = end + 1;
        }
        return entries;
    }

    /** Whole seconds as 1 to 18 ASCII digits (no sign, no overflow); -1 otherwise. */
    private static long parseUnixSeconds(String text) {
        if (text.isEmpty() || text.length() > 18) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static String decodeUtf8(byte[] body) throws CharacterCodingException {
        // Strict: a lenient decoder would turn invalid bytes into U+FFFD and sign something else.
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(body))
                .toString();
    }

    private static String firstValue(Map<String, ? extends List<String>> headers, String name) {
        List<String> values = headers.get(name);
        if (values == null) {
            for (Map.Entry<String, ? extends List<String>> entry : headers.entrySet()) {
                if (name.equalsIgnoreCase(entry.getKey())) {
                    values = entry.getValue();
                    break;
                }
            }
        }
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static Rejected missing(String headerName) {
        return new Rejected(Reason.MISSING_HEADER, "missing header " + headerName);
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    @Override
    public String toString() {
        return "WebhookVerifier[require=" + requirement + ", secrets=" + secretCount + ", tolerance=" + tolerance + "]";
    }

    /** Configures a {@link WebhookVerifier}; the defaults are written where the fields are declared. */
    public static final class Builder {

        private final List<String> secrets = new ArrayList<>();
        private final List<java.security.PublicKey> publicKeys = new ArrayList<>();
        private final List<String> publicKeyProblems = new ArrayList<>();
        private Duration tolerance = DEFAULT_TOLERANCE;
        private Clock clock = Clock.systemUTC();
        private Requirement requirement = Requirement.STANDARD;

        private Builder() {
        }

        /**
         * Adds a secret to accept. Add the newest first: during a rotation, add the new secret, then
         * the old one until the sender has stopped using it.
         */
        public Builder secret(String secret) {
            secrets.add(secret);
            return this;
        }

        /**
         * Adds an Ed25519 public key ({@code whpk_…}): {@code v1a} entries of {@code webhook-signature}
         * signed with its private key verify (Standard Webhooks only; a receiver then needs no secret).
         * A verified result's key index counts the secrets first, then the public keys.
         */
        public Builder publicKey(String publicKey) {
            try {
                publicKeys.add(Ed25519Keys.publicKey(publicKey));
            } catch (IllegalArgumentException e) {
                publicKeyProblems.add("public key #" + (publicKeys.size() + publicKeyProblems.size() + 1) + ": "
                        + e.getMessage());
            }
            return this;
        }

        /** Adds several secrets, newest first. */
        public Builder secrets(List<String> secrets) {
            this.secrets.addAll(secrets);
            return this;
        }

        /** How far {@code webhook-timestamp} may be from the clock, either way. Whole seconds count. */
        public Builder tolerance(Duration tolerance) {
            this.tolerance = Objects.requireNonNull(tolerance, "tolerance");
            return this;
        }

        /** The clock the timestamp tolerance is measured against (default: the system's UTC clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Which signature schemes a request must carry and pass. */
        public Builder require(Requirement requirement) {
            this.requirement = Objects.requireNonNull(requirement, "requirement");
            return this;
        }

        /**
         * Validates every setting at once and builds the verifier.
         *
         * @throws IllegalArgumentException listing every problem; secrets are named by position,
         *         never by value
         */
        public WebhookVerifier build() {
            List<String> problems = new ArrayList<>(publicKeyProblems);
            if (secrets.isEmpty() && publicKeys.isEmpty() && publicKeyProblems.isEmpty()) {
                problems.add("at least one secret or public key is required");
            }
            if (secrets.isEmpty() && !publicKeys.isEmpty() && requirement != Requirement.STANDARD) {
                problems.add("public keys verify Standard Webhooks signatures only: require STANDARD, or add a secret");
            }
            if (tolerance.isNegative() || tolerance.getSeconds() == 0) {
                problems.add("tolerance must be at least one second (got " + tolerance + ")");
            }
            boolean needsReference = requirement != Requirement.STANDARD;
            boolean needsStandard = requirement != Requirement.REFERENCE;
            List<byte[]> referenceKeys = new ArrayList<>();
            List<byte[]> standardKeys = new ArrayList<>();
            for (int i = 0; i < secrets.size(); i++) {
                String secret = secrets.get(i);
                try {
                    if (needsReference) {
                        referenceKeys.add(WebhookSecrets.referenceKey(secret));
                    }
                    if (needsStandard) {
                        standardKeys.add(WebhookSecrets.standardKey(secret));
                    }
                } catch (IllegalArgumentException e) {
                    problems.add("secret #" + (i + 1) + ": " + e.getMessage());
                }
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("invalid webhook verifier: " + String.join("; ", problems));
            }
            return new WebhookVerifier(this, List.copyOf(referenceKeys), List.copyOf(standardKeys));
        }
    }
}
