package dev.posthorn.signature;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256 over the two signed contents, reusing one {@link Mac} per thread. */
final class Hmac {

    private static final String ALGORITHM = "HmacSHA256";
    private static final byte[] DOT = {'.'};

    /** Mac.getInstance walks the provider list; re-keying an existing Mac with init() is cheap. */
    private static final ThreadLocal<Mac> MAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance(ALGORITHM);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no " + ALGORITHM, e);
        }
    });

    private Hmac() {
    }

    /** Reference scheme: HMAC of the body alone. */
    static byte[] ofBody(byte[] key, byte[] body) {
        Mac mac = keyed(key);
        return mac.doFinal(body);
    }

    /** Standard Webhooks: HMAC of {@code "<id>.<timestamp>.<body>"}, fed in parts to avoid a copy. */
    static byte[] ofStandardContent(byte[] key, String id, long timestamp, byte[] body) {
        Mac mac = keyed(key);
        mac.update(id.getBytes(StandardCharsets.UTF_8));
        mac.update(DOT);
        mac.update(Long.toString(timestamp).getBytes(StandardCharsets.US_ASCII));
        mac.update(DOT);
        return mac.doFinal(body);
    }

    private static Mac keyed(byte[] key) {
        Mac mac = MAC.get();
        try {
            mac.init(new SecretKeySpec(key, ALGORITHM));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " refused a key", e);
        }
        return mac;
    }
}
