package dev.posthorn.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SubscriptionsHoldTest {

    private static final long S = 1_000_000_000L;
    private final SubscriptionsHold hold = new SubscriptionsHold(Duration.ofSeconds(2));

    @Test
    void anEventWaitsUntilTheViewIsCurrentAsOfItsTime() {
        assertThat(hold.mustWait(7, 1_000, 1_050, 900, 0)).isTrue();
        assertThat(hold.update(950, 1_060, S / 10)).isFalse();
        assertThat(hold.holding()).isTrue();
        hold.update(1_000, 1_070, S / 5);
        assertThat(hold.holding()).isFalse();
        assertThat(hold.mustWait(7, 1_000, 1_080, 1_000, S / 5)).isFalse();
    }

    @Test
    void anEventStampedAheadOfThisClockNeedsTheViewOnlyAsOfWhenItWasFirstRead() {
        // Stamped 10 s ahead: it needs the view current as of 1 000 (when read), not 11 000.
        assertThat(hold.mustWait(3, 11_000, 1_000, 990, 0)).isTrue();
        // Re-read later (the partition was rewound to it): still judged by the first read.
        hold.update(1_000, 1_100, S / 10);
        assertThat(hold.mustWait(3, 11_000, 1_100, 1_000, S / 10)).isFalse();
    }

    @Test
    void afterTheBoundTheEventGoesOutAndNothingProducedUntilThenWaitsAgain() {
        assertThat(hold.mustWait(1, 1_000, 1_000, 0, 0)).isTrue();
        assertThat(hold.update(0, 2_000, S)).isFalse();
        assertThat(hold.update(0, 3_100, 2 * S + 1)).as("bound ran out").isTrue();
        assertThat(hold.holding()).isFalse();
        assertThat(hold.mustWait(1, 1_000, 3_100, 0, 2 * S + 2)).isFalse();
        assertThat(hold.mustWait(2, 3_000, 3_100, 0, 2 * S + 2)).as("produced before the waiver").isFalse();
        assertThat(hold.mustWait(3, 3_200, 3_200, 0, 2 * S + 3)).as("produced after it").isTrue();
    }
}
