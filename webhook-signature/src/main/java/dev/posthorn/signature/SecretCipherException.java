package dev.posthorn.signature;

/** A sealed subscription secret could not be opened. The message never contains key or secret. */
public final class SecretCipherException extends RuntimeException {

    SecretCipherException(String message) {
        super(message);
    }

    SecretCipherException(String message, Throwable cause) {
        super(message, cause);
    }
}
