package dev.posthorn.delivery.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Measures what one inbox marker costs in memory, as the store holds it (UUID ids, four longs). */
class InboxMemoryTest {

    private static final int MARKERS = 200_000;

    @Test
    void aMarkerCostsWellUnderTwoHundredBytes() {
        // Counted as what this thread allocates while storing the markers (an upper bound of what they
        // hold: it includes the map's table growth), not from heap readings, which other threads of the
        // test JVM move by megabytes between two of them.
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        String[] subscriptions = {UUID.randomUUID().toString(), UUID.randomUUID().toString(), UUID.randomUUID().toString()};
        String[] events = new String[MARKERS];
        for (int i = 0; i < MARKERS; i++) {
            events[i] = UUID.randomUUID().toString();
        }
        long now = System.currentTimeMillis();
        Map<Object, Long> slice = InboxStore.newSlice();
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < MARKERS; i++) {
            slice.put(InboxStore.compact(subscriptions[i % 3], events[i]), now);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        double perMarker = allocated / (double) MARKERS;
        System.out.printf("INBOX_MEMORY bytes_per_marker<=%.0f (%d markers, key = two UUIDs as four longs, value = "
                + "marker time)%n", perMarker, slice.size());
        assertThat(slice).hasSize(MARKERS);
        assertThat(perMarker).isBetween(40.0, 200.0);
        assertThat(InboxStore.compact("not-a-uuid", "x")).isEqualTo("not-a-uuid:x");
    }
}
