package dev.posthorn.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class EndpointSlotsTest {

    private static final long MS = 1_000_000L;
    private final PartitionWork work = new PartitionWork(new TopicPartition("p.events", 0), 0);
    private long offset;

    private Delivery delivery(String key) {
        EventData event = new EventData(key.getBytes(StandardCharsets.UTF_8), new byte[0], List.of(), "e" + offset,
                "t.x", 1, null, 0, offset);
        return Delivery.first(event, "sub", new Delivery.Source(work, offset++));
    }

    @Test
    void startsUpToItsSlotsThenQueuesAndHandsFreedSlotsOut() {
        EndpointSlots slots = new EndpointSlots(2, 10, Duration.ofSeconds(5));
        assertThat(slots.admit("a", delivery("k1"), 0)).isEqualTo(EndpointSlots.Admission.START);
        assertThat(slots.admit("a", delivery("k2"), 0)).isEqualTo(EndpointSlots.Admission.START);
        Delivery third = delivery("k3");
        assertThat(slots.admit("a", third, 0)).isEqualTo(EndpointSlots.Admission.QUEUED);
        List<Delivery> started = new ArrayList<>();
        slots.startQueued(() -> true, (endpoint, d) -> started.add(d), 1);
        assertThat(started).isEmpty();
        slots.freed("a", 10 * MS, 10 * MS);
        slots.startQueued(() -> true, (endpoint, d) -> started.add(d), 10 * MS);
        assertThat(started).containsExactly(third);
        assertThat(slots.queued()).isZero();
    }

    @Test
    void aSlowEndpointsBufferStopsCountingOnceAnotherEndpointIsInUseAndOverflowsWhenFull() {
        EndpointSlots slots = new EndpointSlots(1, 3, Duration.ofSeconds(30));
        slots.admit("slow", delivery("k"), 0);
        slots.freed("slow", 2000 * MS, 2000 * MS); // answers in 2 s
        slots.admit("slow", delivery("k"), 2000 * MS);
        for (int i = 0; i < 3; i++) {
            assertThat(slots.admit("slow", delivery("k" + i), 2000 * MS)).isEqualTo(EndpointSlots.Admission.QUEUED);
        }
        // Alone, its queue is the instance's backpressure: there is nobody else to protect.
        assertThat(slots.backpressure(2000 * MS)).isEqualTo(3);
        slots.admit("fast", delivery("f"), 2000 * MS);
        assertThat(slots.backpressure(2000 * MS)).isZero();
        assertThat(slots.admit("slow", delivery("k9"), 2000 * MS)).isEqualTo(EndpointSlots.Admission.OVERFLOW);
        assertThat(slots.behindKey("slow", delivery("k9"), 2000 * MS)).isEqualTo(EndpointSlots.Admission.OVERFLOW);
    }

    @Test
    void aBurstToOneEndpointIsBackpressureNotOverflowOnceTheOthersDropOutOfTheStream() {
        EndpointSlots slots = new EndpointSlots(1, 3, Duration.ofSeconds(30));
        slots.admit("other", delivery("o"), 0);
        slots.freed("other", MS, MS);
        slots.admit("busy", delivery("k"), MS);
        slots.freed("busy", 2000 * MS, 2001 * MS); // answers in 2 s: any queue of 1 or more is "slow"
        slots.admit("busy", delivery("k"), 2001 * MS);
        // "other" was used a moment ago, but the last 3 (maxQueued) deliveries all went to "busy": nobody
        // else is in the stream, so its queue stays backpressure and nothing is parked.
        for (int i = 0; i < 6; i++) {
            assertThat(slots.admit("busy", delivery("b" + i), 2002 * MS)).isEqualTo(EndpointSlots.Admission.QUEUED);
        }
        assertThat(slots.backpressure(2002 * MS)).isEqualTo(6);
        // Another endpoint's delivery in the stream isolates the slow queue again.
        slots.admit("other", delivery("o2"), 2003 * MS);
        assertThat(slots.backpressure(2003 * MS)).isZero();
        assertThat(slots.admit("busy", delivery("b9"), 2003 * MS)).isEqualTo(EndpointSlots.Admission.OVERFLOW);
    }

    @Test
    void anEndpointStarvedByAPauseStaysInUseHoweverLongThePauseLasts() {
        EndpointSlots slots = new EndpointSlots(1, 3, Duration.ofSeconds(30));
        slots.admit("stalled", delivery("s"), 0); // never answers
        slots.admit("healthy", delivery("h"), 0);
        slots.freed("healthy", MS, MS);
        slots.admit("stalled", delivery("s1"), MS);
        slots.admit("stalled", delivery("s2"), MS);
        // Nothing is admitted for a minute (e.g. the partitions are paused): "healthy" is still in use,
        // so the stalled queue must not turn into backpressure that would keep the pause going.
        long later = 60_000 * MS;
        assertThat(slots.backpressure(later)).isZero();
        assertThat(slots.queued()).isEqualTo(2);
    }

    @Test
    void deliveriesBehindKeysCountUntilTheyLeaveAndGoWithTheirPartition() {
        EndpointSlots slots = new EndpointSlots(4, 100, Duration.ofSeconds(5));
        Delivery one = delivery("k");
        Delivery two = delivery("k");
        slots.behindKey("a", one, 0);
        slots.behindKey("a", two, 0);
        assertThat(slots.queued()).isEqualTo(2);
        slots.leftKey("a", one);
        assertThat(slots.queued()).isEqualTo(1);
        slots.leftKey("a", two);
        assertThat(slots.queued()).isZero();
        slots.leftKey("a", two); // twice is harmless
        assertThat(slots.queued()).isZero();
        slots.behindKey("a", delivery("k"), 0);
        slots.forget(work);
        assertThat(slots.queued()).isZero();
    }

    @Test
    void keyLanesLetOneDeliveryPerKeyGoAndHandTheNextBackInOrder() {
        KeyLanes lanes = new KeyLanes();
        Delivery a1 = delivery("a");
        Delivery a2 = delivery("a");
        Delivery a3 = delivery("a");
        Delivery b1 = delivery("b");
        assertThat(lanes.tryAcquire(a1)).isTrue();
        assertThat(lanes.tryAcquire(b1)).isTrue();
        assertThat(lanes.tryAcquire(a2)).isFalse();
        lanes.waitBehind(a2, "ep");
        assertThat(lanes.tryAcquire(a3)).isFalse();
        lanes.waitBehind(a3, null);
        assertThat(lanes.waiting()).isEqualTo(2);
        assertThat(lanes.release(a2)).as("not the head: nothing").isNull();
        assertThat(lanes.release(a1)).isEqualTo(new KeyLanes.Waiting(a2, "ep"));
        assertThat(lanes.holds(a2)).isTrue();
        assertThat(lanes.release(a2)).isEqualTo(new KeyLanes.Waiting(a3, null));
        assertThat(lanes.release(a3)).isNull();
        assertThat(lanes.tryAcquire(delivery("a"))).as("the lane is free again").isTrue();
        assertThat(lanes.waiting()).isZero();
    }
}
