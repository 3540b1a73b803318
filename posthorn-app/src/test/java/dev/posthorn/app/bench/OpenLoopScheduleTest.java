package dev.posthorn.app.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OpenLoopScheduleTest {

    @Test
    void spacesEventsEvenlyFromTheStartWhateverHappenedBefore() {
        OpenLoopSchedule schedule = new OpenLoopSchedule(5_000, 1_000);

        assertThat(schedule.scheduledNanos(0)).isEqualTo(5_000);
        assertThat(schedule.scheduledNanos(1)).isEqualTo(5_000 + 1_000_000);
        assertThat(schedule.scheduledNanos(30_000)).isEqualTo(5_000 + 30_000_000_000L);
    }

    @Test
    void keepsFractionalIntervalsWithoutDrift() {
        OpenLoopSchedule schedule = new OpenLoopSchedule(0, 3);

        assertThat(schedule.scheduledNanos(1)).isEqualTo(333_333_333);
        assertThat(schedule.scheduledNanos(3)).isEqualTo(1_000_000_000);
        assertThat(schedule.scheduledNanos(300)).isEqualTo(100_000_000_000L);
    }

    @Test
    void schedulesRateTimesDurationEvents() {
        OpenLoopSchedule schedule = new OpenLoopSchedule(0, 1_000);

        assertThat(schedule.eventsWithin(TimeUnit.SECONDS.toNanos(30))).isEqualTo(30_000);
        assertThat(schedule.eventsWithin(TimeUnit.MILLISECONDS.toNanos(2_500))).isEqualTo(2_500);
        assertThat(new OpenLoopSchedule(0, 3).eventsWithin(TimeUnit.SECONDS.toNanos(1))).isEqualTo(3);
    }

    @Test
    void refusesARateThatIsNotPositive() {
        assertThatThrownBy(() -> new OpenLoopSchedule(0, 0)).hasMessageContaining("eventsPerSecond");
        assertThatThrownBy(() -> new OpenLoopSchedule(0, Double.NaN)).hasMessageContaining("eventsPerSecond");
    }
}
