package dev.posthorn.delivery.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {

    private final RetrySchedule schedule = new RetrySchedule(RetrySchedule.DEFAULT_TIERS, 0.20);

    @Test
    void defaultTiersAreTheDocumentedOnes() {
        assertThat(schedule.tiers()).containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(30),
                Duration.ofMinutes(2), Duration.ofMinutes(10), Duration.ofHours(1), Duration.ofHours(6));
    }

    @Test
    void jitterIsAPureFunctionOfTierAndRandomNumber() {
        assertThat(schedule.delay(1, 0.0)).isEqualTo(Duration.ofSeconds(4));        // -20 %
        assertThat(schedule.delay(1, 0.5)).isEqualTo(Duration.ofSeconds(5));        // nominal
        assertThat(schedule.delay(2, 0.75)).isEqualTo(Duration.ofSeconds(33));      // +10 %
        assertThat(schedule.delay(6, 0.999999)).isLessThanOrEqualTo(Duration.ofMinutes(432));
        assertThat(schedule.delay(3, 0.25)).isEqualTo(schedule.delay(3, 0.25));
        for (int tier = 1; tier <= 6; tier++) {
            for (double r = 0; r < 1; r += 0.01) {
                Duration d = schedule.delay(tier, r);
                Duration base = schedule.base(tier);
                assertThat(d).isBetween(base.multipliedBy(8).dividedBy(10), base.multipliedBy(12).dividedBy(10));
            }
        }
        assertThat(schedule.dueAt(Instant.parse("2026-01-01T00:00:00Z"), 1, 0.5))
                .isEqualTo(Instant.parse("2026-01-01T00:00:05Z"));
    }

    @Test
    void findsTheTierCoveringAServerRequestedWait() {
        assertThat(schedule.tierCovering(Duration.ofSeconds(3), 1)).isEqualTo(1);
        assertThat(schedule.tierCovering(Duration.ofSeconds(6), 1)).isEqualTo(1);   // 5 s +20 % = 6 s
        assertThat(schedule.tierCovering(Duration.ofSeconds(7), 1)).isEqualTo(2);
        assertThat(schedule.tierCovering(Duration.ofMinutes(5), 2)).isEqualTo(4);
        assertThat(schedule.tierCovering(Duration.ofDays(3), 1)).isEqualTo(6);
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new RetrySchedule(List.of(), 0.2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetrySchedule(List.of(Duration.ZERO), 0.2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetrySchedule(List.of(Duration.ofSeconds(1)), 1.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> schedule.delay(7, 0.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> schedule.delay(1, 1.0)).isInstanceOf(IllegalArgumentException.class);
    }
}
