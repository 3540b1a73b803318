package dev.posthorn.signature;

import java.util.Objects;

/**
 * Outcome of {@link WebhookVerifier#verify}: either {@link Verified} or {@link Rejected} with the
 * check that failed. Neither ever contains a secret or a signature.
 */
public sealed interface VerificationResult permits VerificationResult.Verified, VerificationResult.Rejected {

    /** True for {@link Verified}; handy before Java 21's pattern matching switch. */
    default boolean isVerified() {
        return this instanceof Verified;
    }

    /**
     * The request is authentic.
     *
     * @param scheme      the scheme that verified it; when both were required, {@link SignatureScheme#STANDARD}
     * @param secretIndex position in the verifier's secret list of the secret that matched, 0 for the
     *                    first; a sender still signing with an older secret shows up as a higher index
     */
    record Verified(SignatureScheme scheme, int secretIndex) implements VerificationResult {
        /** Refuses a null scheme. */
        public Verified {
            Objects.requireNonNull(scheme, "scheme");
        }
    }

    /**
     * The request must not be trusted.
     *
     * @param reason which check failed
     * @param detail a human-readable explanation for logs; never contains a secret or a signature
     */
    record Rejected(Reason reason, String detail) implements VerificationResult {
        /** Refuses nulls. */
        public Rejected {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
        }
    }

    /** The check that failed, in the order checks run. */
    enum Reason {
        /** A signature header the required scheme needs is absent or empty. */
        MISSING_HEADER,
        /** {@code webhook-timestamp} is not a whole number of unix seconds. */
        MALFORMED_TIMESTAMP,
        /** {@code webhook-timestamp} is further in the past than the tolerance. */
        TIMESTAMP_TOO_OLD,
        /** {@code webhook-timestamp} is further in the future than the tolerance. */
        TIMESTAMP_TOO_NEW,
        /** The reference scheme could not read the body as JSON (it signs the canonical form). */
        BODY_NOT_JSON,
        /** No presented signature matches any configured secret. */
        NO_MATCHING_SIGNATURE
    }
}
