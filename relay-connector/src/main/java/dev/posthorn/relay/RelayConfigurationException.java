package dev.posthorn.relay;

/**
 * A problem a restart cannot fix: wrong topic settings, a missing table or publication. The relay
 * stops in {@link RelayState#FAILED}; the message says what to change.
 */
public final class RelayConfigurationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public RelayConfigurationException(String message) {
        super(message);
    }
}
