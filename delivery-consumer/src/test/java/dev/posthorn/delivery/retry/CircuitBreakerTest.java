package dev.posthorn.delivery.retry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.retry.CircuitBreaker.Permit;
import dev.posthorn.delivery.retry.CircuitBreaker.State;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    private final List<String> transitions = new ArrayList<>();
    private final CircuitBreaker breaker = new CircuitBreaker(3, Duration.ofSeconds(30),
            (from, to, failures) -> transitions.add(from + "->" + to));

    @Test
    void opensAfterConsecutiveFailuresAndProbesWhenTheClockSaysSo() {
        breaker.onFailure(t0);
        breaker.onFailure(t0);
        breaker.onSuccess(); // resets the count
        breaker.onFailure(t0);
        breaker.onFailure(t0);
        assertThat(breaker.tryAcquire(t0)).isEqualTo(Permit.ALLOWED);
        breaker.onFailure(t0);
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(breaker.tryAcquire(t0.plusSeconds(29))).isEqualTo(Permit.REJECTED);

        assertThat(breaker.tryAcquire(t0.plusSeconds(30))).isEqualTo(Permit.PROBE);
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        assertThat(breaker.tryAcquire(t0.plusSeconds(30))).isEqualTo(Permit.REJECTED); // one probe at a time

        breaker.onFailure(t0.plusSeconds(31)); // probe failed: open again from now
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(breaker.tryAcquire(t0.plusSeconds(60))).isEqualTo(Permit.REJECTED);
        assertThat(breaker.tryAcquire(t0.plusSeconds(61))).isEqualTo(Permit.PROBE);
        breaker.onSuccess();
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.tryAcquire(t0.plusSeconds(61))).isEqualTo(Permit.ALLOWED);
        assertThat(transitions).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->OPEN",
                "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
    }

    @Test
    void aNeutralProbeLetsTheNextOneThrough() {
        for (int i = 0; i < 3; i++) {
            breaker.onFailure(t0);
        }
        assertThat(breaker.tryAcquire(t0.plusSeconds(30))).isEqualTo(Permit.PROBE);
        breaker.onNeutral();
        assertThat(breaker.tryAcquire(t0.plusSeconds(30))).isEqualTo(Permit.PROBE);
    }
}
