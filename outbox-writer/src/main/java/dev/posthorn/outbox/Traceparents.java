package dev.posthorn.outbox;

import java.util.Optional;

/**
 * W3C trace context {@code traceparent} values of version 00: {@code 00-<32 hex trace id>-<16 hex
 * parent id>-<2 hex flags>}, lowercase, where neither id may be all zeros (the spec calls those invalid).
 */
final class Traceparents {

    static final String FORMAT = "00-<32 lowercase hex trace id>-<16 lowercase hex parent id>-<2 lowercase hex flags>";
    private static final int LENGTH = 55;

    private Traceparents() {}

    static Optional<String> problem(String traceparent) {
        if (traceparent.length() != LENGTH || !traceparent.startsWith("00-")
                || traceparent.charAt(35) != '-' || traceparent.charAt(52) != '-'
                || !isHex(traceparent, 3, 35) || !isHex(traceparent, 36, 52) || !isHex(traceparent, 53, 55)) {
            return Optional.of("must be " + FORMAT + " (W3C trace context), was '" + printable(traceparent) + "'");
        }
        if (isZeros(traceparent, 3, 35)) {
            return Optional.of("has an all-zero trace id, which W3C trace context defines as invalid");
        }
        if (isZeros(traceparent, 36, 52)) {
            return Optional.of("has an all-zero parent id, which W3C trace context defines as invalid");
        }
        return Optional.empty();
    }

    private static boolean isHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isZeros(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    /** Short enough to quote in a message even when someone passes a whole header block by mistake. */
    private static String printable(String value) {
        return value.length() <= 80 ? value : value.substring(0, 80) + "…";
    }
}
