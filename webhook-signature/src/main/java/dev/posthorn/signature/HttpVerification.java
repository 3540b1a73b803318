package dev.posthorn.signature;

import dev.posthorn.signature.VerificationResult.Rejected;
import java.nio.charset.StandardCharsets;

/**
 * What the two HTTP adapters share: the body limit, the attribute carrying the verified body, and
 * the answer to a request that failed verification. Status codes and texts follow the reference
 * design's FastAPI dependency, with FastAPI's {@code {"detail":"..."}} body. The answer names only
 * the broad failure, never which secret or timestamp bound was involved, so it teaches a prober
 * nothing; the full {@link Rejected#detail()} goes to the receiver's log instead.
 */
final class HttpVerification {

    static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;
    static final String BODY_ATTRIBUTE = "posthorn.body";

    static final HttpVerification TOO_LARGE = new HttpVerification(413, "body too large");
    private static final HttpVerification MISSING_SIGNATURE = new HttpVerification(401, "missing signature");
    private static final HttpVerification INVALID_JSON = new HttpVerification(400, "invalid JSON body");
    private static final HttpVerification INVALID_SIGNATURE = new HttpVerification(401, "invalid signature");

    final int status;
    final byte[] body;

    private HttpVerification(int status, String detail) {
        this.status = status;
        this.body = ("{\"detail\":\"" + detail + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    static HttpVerification of(Rejected rejected) {
        switch (rejected.reason()) {
            case MISSING_HEADER:
                return MISSING_SIGNATURE;
            case BODY_NOT_JSON:
                return INVALID_JSON;
            default:
                return INVALID_SIGNATURE;
        }
    }

    static void log(System.Logger logger, Rejected rejected) {
        logger.log(System.Logger.Level.INFO, "rejected webhook request: {0}: {1}", rejected.reason(), rejected.detail());
    }
}
