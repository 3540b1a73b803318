package dev.posthorn.app.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.posthorn.app.bench.CpuMeter.JvmPart;
import dev.posthorn.app.bench.CpuMeter.Reading;
import dev.posthorn.app.bench.CpuMeter.ThreadCpu;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuMeterTest {

    @Test
    void threadsAreSortedIntoPartsByTheirNames() {
        assertThat(JvmPart.of("debezium-postgresconnector-posthorn-x-change-event-source-coordinator")).isEqualTo(JvmPart.RELAY);
        assertThat(JvmPart.of("pool-3-thread-1")).isEqualTo(JvmPart.RELAY);
        assertThat(JvmPart.of("kafka-producer-network-thread | posthorn-relay-x")).isEqualTo(JvmPart.RELAY);
        assertThat(JvmPart.of("posthorn-delivery-0dab8830")).isEqualTo(JvmPart.DELIVERY);
        assertThat(JvmPart.of("kafka-producer-network-thread | bench-delivery-0dab8830-attempts")).isEqualTo(JvmPart.DELIVERY);
        assertThat(JvmPart.of("ForkJoinPool-1-worker-2")).isEqualTo(JvmPart.VIRTUAL_THREADS);
        assertThat(JvmPart.of("bench-receiver-accept")).isEqualTo(JvmPart.RECEIVER);
        assertThat(JvmPart.of("bench-app-3")).isEqualTo(JvmPart.BENCH);
        assertThat(JvmPart.of("data-plane-kafka-request-handler-0")).isEqualTo(JvmPart.BROKER);
    }

    @Test
    void perEventSplitsTheJvmsTimeByPartAndLeavesTheRestToTheVmItself() {
        Reading before = new Reading(1_000, 10_000, Map.of(
                1L, new ThreadCpu(JvmPart.RELAY, 1_000_000_000L),
                2L, new ThreadCpu(JvmPart.BROKER, 0)));
        // 1,000 events: Postgres +200 ms, JVM +3,000 ms, of which the relay +500 ms, the broker +1,000 ms,
        // a delivery thread started during the phase +700 ms, and 800 ms in no live thread.
        Reading after = new Reading(1_200, 13_000, Map.of(
                1L, new ThreadCpu(JvmPart.RELAY, 1_500_000_000L),
                2L, new ThreadCpu(JvmPart.BROKER, 1_000_000_000L),
                3L, new ThreadCpu(JvmPart.DELIVERY, 700_000_000L)));

        CpuMeter.PerEvent perEvent = CpuMeter.perEvent(before, after, 1_000);

        assertThat(perEvent.postgresMicros()).isCloseTo(200, within(1e-9));
        assertThat(perEvent.jvmMicros()).isCloseTo(3_000, within(1e-9));
        assertThat(perEvent.jvmPartMicros())
                .containsEntry(JvmPart.BROKER, 1_000.0)
                .containsEntry(JvmPart.JVM_ITSELF, 800.0)
                .containsEntry(JvmPart.DELIVERY, 700.0)
                .containsEntry(JvmPart.RELAY, 500.0)
                .hasSize(4);
        assertThat(List.copyOf(perEvent.jvmPartMicros().keySet()))
                .containsExactly(JvmPart.BROKER, JvmPart.JVM_ITSELF, JvmPart.DELIVERY, JvmPart.RELAY);
    }
}
