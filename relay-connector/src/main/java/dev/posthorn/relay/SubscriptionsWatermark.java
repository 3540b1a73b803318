package dev.posthorn.relay;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * How far the subscriptions topic holds the changes this relay relayed: for each partition, the offset
 * after the last one Kafka acknowledged (its end offsets when the run started, before any). Stamped on
 * every event as the header {@value #HEADER}, {@code <partition>:<offset>[,...]}, so that delivery fans an
 * event out once its subscriptions view has read that far: then it holds every subscription change
 * committed before the event, whatever the clocks say. Not thread-safe: the Debezium batch thread owns it.
 */
final class SubscriptionsWatermark {

    static final String HEADER = "posthorn.subscriptions_through";

    private final Map<Integer, Long> next = new TreeMap<>();
    private byte[] header;

    SubscriptionsWatermark(Map<Integer, Long> endOffsets) {
        next.putAll(endOffsets);
        header = render();
    }

    /** Kafka acknowledged a subscriptions record at {@code offset} of {@code partition}. */
    void acknowledged(int partition, long offset) {
        Long before = next.get(partition);
        if (before == null || offset + 1 > before) {
            next.put(partition, offset + 1);
            header = render();
        }
    }

    /** The header value for events relayed from now on; the same array until the watermark moves. */
    byte[] header() {
        return header;
    }

    private byte[] render() {
        StringJoiner value = new StringJoiner(",");
        next.forEach((partition, offset) -> value.add(partition + ":" + offset));
        return value.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
