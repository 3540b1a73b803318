package dev.posthorn.delivery.guard;

import java.net.UnknownHostException;

/**
 * Thrown from the connection's address lookup when every address of a host is refused by the
 * {@link DestinationPolicy}: no socket was opened. An {@link UnknownHostException} so that the HTTP
 * client gives up on the host at once instead of trying other routes.
 */
public final class BlockedDestinationException extends UnknownHostException {

    private final String detail;

    public BlockedDestinationException(String host, String detail) {
        super("blocked destination " + host + ": " + detail);
        this.detail = detail;
    }

    /** Which addresses were refused and why, e.g. {@code loopback address 127.0.0.1}. */
    public String detail() {
        return detail;
    }
}
