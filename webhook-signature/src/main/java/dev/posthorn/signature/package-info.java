/**
 * Webhook signatures for Posthorn, on both sides of the wire. JDK only, Java 17+.
 *
 * <ul>
 *   <li>{@link dev.posthorn.signature.CanonicalJson}: the canonical JSON form that is sent and
 *       signed (byte-identical to CPython's {@code json.dumps(..., sort_keys=True,
 *       separators=(",", ":"))}).</li>
 *   <li>{@link dev.posthorn.signature.WebhookSigner}: both signatures and the full header set of
 *       one delivery attempt; {@link dev.posthorn.signature.WebhookSecrets} makes secrets.</li>
 *   <li>{@link dev.posthorn.signature.WebhookVerifier}: the subscriber-side check, with
 *       {@link dev.posthorn.signature.VerifyingHttpHandler} (JDK HTTP server) and
 *       {@link dev.posthorn.signature.WebhookVerificationFilter} (Jakarta Servlet) around it.</li>
 *   <li>{@link dev.posthorn.signature.SecretCipher}: the at-rest encryption of subscription secrets.</li>
 * </ul>
 */
package dev.posthorn.signature;
