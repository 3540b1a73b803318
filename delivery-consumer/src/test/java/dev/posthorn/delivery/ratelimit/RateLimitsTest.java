package dev.posthorn.delivery.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RateLimitsTest {

    private static final long MS = 1_000_000L;

    @Test
    void spacesRequestsEvenlyAtTheLimit() {
        RateLimits limits = new RateLimits();
        long now = 1_000 * MS;
        assertThat(limits.reserve("s", 5, now)).isZero();
        assertThat(limits.reserve("s", 5, now)).isEqualTo(200 * MS);
        assertThat(limits.reserve("s", 5, now)).isEqualTo(400 * MS);
        // Time passing pays off the booked schedule; an idle subscription does not save up a burst.
        assertThat(limits.reserve("s", 5, now + 500 * MS)).isEqualTo(100 * MS);
        assertThat(limits.reserve("s", 5, now + 10_000 * MS)).isZero();
        assertThat(limits.reserve("s", 5, now + 10_000 * MS)).isEqualTo(200 * MS);
    }

    @Test
    void subscriptionsHaveSeparateSchedules() {
        RateLimits limits = new RateLimits();
        assertThat(limits.reserve("a", 1, 0)).isZero();
        assertThat(limits.reserve("b", 1, 0)).isZero();
        assertThat(limits.reserve("a", 1, 0)).isEqualTo(1_000 * MS);
        assertThat(limits.reserve("b", 1, 0)).isEqualTo(1_000 * MS);
    }

    @Test
    void eachInstanceTakesTheShareOfThePartitionsItOwns() {
        RateLimits limits = new RateLimits();
        limits.ownedShare(2, 6);
        assertThat(limits.instanceRate(60)).isEqualTo(20.0);
        assertThat(limits.reserve("s", 60, 0)).isZero();
        assertThat(limits.reserve("s", 60, 0)).isEqualTo(50 * MS);

        limits.ownedShare(0, 6);
        assertThat(limits.instanceRate(60)).isZero();
        assertThat(limits.reserve("t", 60, 0)).isZero();
        assertThat(limits.reserve("t", 60, 0)).as("paced as one partition's share").isEqualTo(100 * MS);
        assertThatThrownBy(() -> limits.ownedShare(1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
