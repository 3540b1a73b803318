package dev.posthorn.delivery.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Measures what one inbox marker costs in memory, as the store holds it (UUID ids, four longs). */
class InboxMemoryTest {

    private static final int MARKERS = 200_000;

    @Test
    void aMarkerCostsWellUnderTwoHundredBytes() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        String[] subscriptions = {UUID.randomUUID().toString(), UUID.randomUUID().toString(), UUID.randomUUID().toString()};
        Map<Object, Long> slice = InboxStore.newSlice();
        long now = System.currentTimeMillis();
        for (int i = 0; i < MARKERS; i++) {
            slice.put(InboxStore.compact(subscriptions[i % 3], UUID.randomUUID().toString()), now);
        }
        // What letting the slice go frees: other threads of this JVM (earlier tests' clients winding down)
        // may free memory of their own between two readings, but not as much as 200,000 markers hold.
        long held = used(memory);
        int size = slice.size();
        java.lang.ref.Reference.reachabilityFence(slice);
        slice = null;
        long released = used(memory);
        double perMarker = (held - released) / (double) MARKERS;
        System.out.printf("INBOX_MEMORY bytes_per_marker=%.0f (%d markers, key = two UUIDs as four longs, value = "
                + "marker time)%n", perMarker, size);
        assertThat(size).isEqualTo(MARKERS);
        assertThat(perMarker).isBetween(40.0, 200.0);
        assertThat(InboxStore.compact("not-a-uuid", "x")).isEqualTo("not-a-uuid:x");
    }

    private static long used(MemoryMXBean memory) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
