package dev.posthorn.delivery.operational;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SustainedFailureTest {

    private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
    private static final Instant UPDATED = Instant.parse("2026-10-01T00:00:00Z");

    @Test
    void failingForThePeriodAsksOnceWithTheFirstFailureTime() {
        SustainedFailure f = new SustainedFailure(Duration.ofDays(5));
        assertThat(f.attempted("s", UPDATED, false, T0)).isNull();
        assertThat(f.attempted("s", UPDATED, false, T0.plus(Duration.ofDays(4)))).isNull();
        assertThat(f.attempted("s", UPDATED, false, T0.plus(Duration.ofDays(5)))).isEqualTo(T0);
        assertThat(f.attempted("s", UPDATED, false, T0.plus(Duration.ofDays(5)).plusSeconds(1))).as("asked once").isNull();
    }

    @Test
    void aSuccessOrAChangeToTheSubscriptionRestartsTheClock() {
        SustainedFailure f = new SustainedFailure(Duration.ofDays(5));
        f.attempted("s", UPDATED, false, T0);
        f.attempted("s", UPDATED, true, T0.plus(Duration.ofDays(3)));
        assertThat(f.attempted("s", UPDATED, false, T0.plus(Duration.ofDays(6)))).isNull();
        assertThat(f.attempted("s", UPDATED, false, T0.plus(Duration.ofDays(11)))).isEqualTo(T0.plus(Duration.ofDays(6)));

        f.attempted("t", UPDATED, false, T0);
        Instant enabledAgain = T0.plus(Duration.ofDays(4));
        assertThat(f.attempted("t", enabledAgain, false, T0.plus(Duration.ofDays(6)))).as("enable restarts").isNull();
        assertThat(f.attempted("t", enabledAgain, false, T0.plus(Duration.ofDays(11)))).isEqualTo(T0.plus(Duration.ofDays(6)));
        assertThat(f.attempted("other", UPDATED, false, T0.plus(Duration.ofDays(11)))).as("per subscription").isNull();
    }
}
