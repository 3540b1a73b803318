package dev.posthorn.relay;

/** The stream failed in a way a restart from the last committed position recovers from. */
final class RelayStreamException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    RelayStreamException(String message, Throwable cause) {
        super(message, cause);
    }
}
