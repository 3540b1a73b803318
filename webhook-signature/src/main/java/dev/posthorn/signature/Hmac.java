package dev.posthorn.signature;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256 over the two signed contents, reusing {@link Mac} instances across threads. */
final class Hmac {

    private static final String ALGORITHM = "HmacSHA256";
    private static final byte[] DOT = {'.'};

    /**
     * Mac.getInstance walks the provider list; re-keying an existing Mac with init() is cheap. A shared
     * pool rather than a ThreadLocal: delivery signs on a fresh virtual thread per request, where a
     * ThreadLocal would build a new Mac every time. Holds at most as many as ever signed at once.
     */
    private static final Queue<Mac> IDLE = new ConcurrentLinkedQueue<>();

    private Hmac() {
    }

    /** Reference scheme: HMAC of the body alone. */
    static byte[] ofBody(byte[] key, byte[] body) {
        Mac mac = keyed(key);
        try {
            return mac.doFinal(body);
        } finally {
            IDLE.offer(mac);
        }
    }

    /** Standard Webhooks: HMAC of {@code "<id>.<timestamp>.<body>"}, fed in parts to avoid a copy. */
    static byte[] ofStandardContent(byte[] key, String id, long timestamp, byte[] body) {
        Mac mac = keyed(key);
        try {
            mac.update(id.getBytes(StandardCharsets.UTF_8));
            mac.update(DOT);
            mac.update(Long.toString(timestamp).getBytes(StandardCharsets.US_ASCII));
            mac.update(DOT);
            return mac.doFinal(body);
        } finally {
            IDLE.offer(mac); // doFinal reset it; a failed update leaves it to the next init()
        }
    }

    /** A Mac from the pool (or a new one) keyed with {@code key}; the caller offers it back when done. */
    private static Mac keyed(byte[] key) {
        Mac mac = IDLE.poll();
        try {
            if (mac == null) {
                mac = Mac.getInstance(ALGORITHM);
            }
            mac.init(new SecretKeySpec(key, ALGORITHM));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " is missing or refused a key", e);
        }
        return mac;
    }
}
