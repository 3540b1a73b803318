package dev.posthorn.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.SubscriptionsHold.Need;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class SubscriptionsHoldTest {

    private static final long S = 1_000_000_000L;
    private final SubscriptionsHold hold = new SubscriptionsHold(Duration.ofSeconds(2));

    /** A view current as of {@code millis} that has read partition 0 up to {@code offset}. */
    private static Predicate<Need> view(long millis, long offset) {
        return need -> switch (need) {
            case Need.CurrentAsOf asOf -> asOf.millis() <= millis;
            case Need.ReadThrough through -> through.offsets().getOrDefault(0, 0L) <= offset;
        };
    }

    @Test
    void aStampedEventWaitsUntilTheViewHasReadThroughItsStampWhateverTheClocks() {
        // The view's clock is far behind the event's, but it has read what the relay stamped: no wait.
        assertThat(hold.mustWait(7, 9_000, Map.of(0, 5L), 1_000, 0, view(0, 5))).isFalse();
        // Stamped past what the view has read: wait, however current the view is in time.
        assertThat(hold.mustWait(8, 1_000, Map.of(0, 6L), 1_050, 0, view(5_000, 5))).isTrue();
        assertThat(hold.update(view(6_000, 5), 1_060, S / 10)).isFalse();
        assertThat(hold.holding()).isTrue();
        hold.update(view(6_000, 6), 1_070, S / 5);
        assertThat(hold.holding()).isFalse();
        assertThat(hold.mustWait(8, 1_000, Map.of(0, 6L), 1_080, S / 5, view(6_000, 6))).isFalse();
    }

    @Test
    void anUnstampedEventWaitsUntilTheViewIsCurrentAsOfItsTime() {
        assertThat(hold.mustWait(7, 1_000, null, 1_050, 0, view(900, 0))).isTrue();
        assertThat(hold.update(view(950, 0), 1_060, S / 10)).isFalse();
        assertThat(hold.holding()).isTrue();
        hold.update(view(1_000, 0), 1_070, S / 5);
        assertThat(hold.holding()).isFalse();
        assertThat(hold.mustWait(7, 1_000, null, 1_080, S / 5, view(1_000, 0))).isFalse();
    }

    @Test
    void anUnstampedEventAheadOfThisClockNeedsTheViewOnlyAsOfWhenItWasFirstRead() {
        // Stamped 10 s ahead: it needs the view current as of 1 000 (when read), not 11 000.
        assertThat(hold.mustWait(3, 11_000, null, 1_000, 0, view(990, 0))).isTrue();
        // Re-read later (the partition was rewound to it): still judged by the first read.
        hold.update(view(1_000, 0), 1_100, S / 10);
        assertThat(hold.mustWait(3, 11_000, null, 1_100, S / 10, view(1_000, 0))).isFalse();
    }

    @Test
    void afterTheBoundTheEventGoesOutAndNothingProducedUntilThenWaitsAgain() {
        assertThat(hold.mustWait(1, 1_000, Map.of(0, 9L), 1_000, 0, view(0, 0))).isTrue();
        assertThat(hold.update(view(0, 0), 2_000, S)).isFalse();
        assertThat(hold.update(view(0, 0), 3_100, 2 * S + 1)).as("bound ran out").isTrue();
        assertThat(hold.holding()).isFalse();
        assertThat(hold.mustWait(1, 1_000, Map.of(0, 9L), 3_100, 2 * S + 2, view(0, 0))).isFalse();
        assertThat(hold.mustWait(2, 3_000, Map.of(0, 9L), 3_100, 2 * S + 2, view(0, 0))).as("produced before the waiver").isFalse();
        assertThat(hold.mustWait(3, 3_200, Map.of(0, 9L), 3_200, 2 * S + 3, view(0, 0))).as("produced after it").isTrue();
    }
}
