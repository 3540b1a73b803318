package dev.posthorn.signature;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * Standard Webhooks' asymmetric signatures ({@code v1a}): Ed25519 over {@code "<id>.<timestamp>.<body>"},
 * with the JDK's own Ed25519 (Java 15+), nothing else. Keys travel as text: a signing key is
 * {@code whsk_<base64 of the 32-byte seed>} (a secret: Posthorn stores it sealed), a public key
 * {@code whpk_<base64 of the 32-byte public key>} (what a receiver holds).
 */
public final class Ed25519Keys {

    public static final String SIGNING_KEY_PREFIX = "whsk_";
    public static final String PUBLIC_KEY_PREFIX = "whpk_";
    private static final int KEY_BYTES = 32;
    /** DER of PKCS#8 PrivateKeyInfo for Ed25519 (RFC 8410), before the 32-byte seed. */
    private static final byte[] PKCS8_PREFIX = hex("302e020100300506032b657004220420");
    /** DER of X.509 SubjectPublicKeyInfo for Ed25519 (RFC 8410), before the 32-byte key. */
    private static final byte[] X509_PREFIX = hex("302a300506032b6570032100");

    /** A new key pair. */
    public record Pair(String signingKey, String publicKey) {
        @Override
        public String toString() {
            return "Ed25519Keys.Pair[publicKey=" + publicKey + ", signingKey=<redacted>]";
        }
    }

    private Ed25519Keys() {
    }

    public static Pair generate() {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] pkcs8 = pair.getPrivate().getEncoded();
            byte[] seed = Arrays.copyOfRange(pkcs8, pkcs8.length - KEY_BYTES, pkcs8.length);
            return new Pair(SIGNING_KEY_PREFIX + Base64.getEncoder().encodeToString(seed), publicKey(pair.getPublic()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot generate Ed25519 keys (Java 15+ can)", e);
        }
    }

    /** The raw 64-byte Ed25519 signature of {@code message}. */
    public static byte[] sign(String signingKey, byte[] message) {
        try {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(privateKey(signingKey));
            signer.update(message);
            return signer.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("signing key: not usable for Ed25519", e);
        }
    }

    /** Whether {@code signature} is a valid Ed25519 signature of {@code message} by the key's owner. */
    public static boolean verify(PublicKey key, byte[] message, byte[] signature) {
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(key);
            verifier.update(message);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // a malformed signature is just not a valid one
        }
    }

    /** Reads {@code whpk_<base64>} (the prefix is optional). */
    public static PublicKey publicKey(String text) {
        byte[] raw = decode(text, PUBLIC_KEY_PREFIX, "public key");
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(concat(X509_PREFIX, raw)));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("public key: not an Ed25519 public key", e);
        }
    }

    /** Whether the text is a well-formed signing key; the message never shows the key. */
    public static void checkSigningKey(String text) {
        seed(text);
    }

    private static PrivateKey privateKey(String signingKey) throws GeneralSecurityException {
        return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(concat(PKCS8_PREFIX, seed(signingKey))));
    }

    private static byte[] seed(String signingKey) {
        return decode(signingKey, SIGNING_KEY_PREFIX, "signing key");
    }

    private static String publicKey(PublicKey key) {
        byte[] x509 = key.getEncoded();
        return PUBLIC_KEY_PREFIX + Base64.getEncoder().encodeToString(Arrays.copyOfRange(x509, x509.length - KEY_BYTES, x509.length));
    }

    private static byte[] decode(String text, String prefix, String what) {
        if (text == null) {
            throw new IllegalArgumentException(what + ": missing");
        }
        String body = text.startsWith(prefix) ? text.substring(prefix.length()) : text;
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(body.trim().getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": not base64 after " + prefix);
        }
        if (raw.length != KEY_BYTES) {
            throw new IllegalArgumentException(what + ": expected " + KEY_BYTES + " bytes, got " + raw.length);
        }
        return raw;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] hex(String hex) {
        return java.util.HexFormat.of().parseHex(hex);
    }
}
