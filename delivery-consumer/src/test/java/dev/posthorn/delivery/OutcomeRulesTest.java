package dev.posthorn.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.retry.RetrySchedule;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutcomeRulesTest {

    private final RetrySchedule schedule = new RetrySchedule(
            List.of(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(2)), 0.2);
    private final Instant now = Instant.parse("2026-03-01T12:00:00Z");
    private final Duration max = Duration.ofMinutes(1);

    private DeliveryOutcome answer(int status, String retryAfter, int tier) {
        return OutcomeRules.afterResponse(status, retryAfter, Duration.ofMillis(3), tier, schedule, max, now, 0.5);
    }

    @Test
    void successGoneAndPlainFailures() {
        assertThat(answer(200, null, 0)).isInstanceOf(DeliveryOutcome.Delivered.class);
        assertThat(answer(204, null, 2)).isInstanceOf(DeliveryOutcome.Delivered.class);
        assertThat(answer(410, null, 0)).isEqualTo(new DeliveryOutcome.Disable("endpoint answered 410 Gone"));
        assertThat(answer(500, null, 0)).isEqualTo(new DeliveryOutcome.RetryAt(now.plusSeconds(5), 1, "HTTP 500", true));
        assertThat(answer(302, null, 1)).isEqualTo(new DeliveryOutcome.RetryAt(now.plusSeconds(30), 2, "HTTP 302", true));
        assertThat(answer(404, null, 2)).isEqualTo(new DeliveryOutcome.RetryAt(now.plusSeconds(120), 3, "HTTP 404", true));
        assertThat(answer(500, null, 3)).isEqualTo(new DeliveryOutcome.DeadLetter("retries exhausted"));
    }

    @Test
    void retryAfterIsHonouredClampedAndPlacedInATierThatCoversIt() {
        assertThat(answer(429, "2", 0)).isEqualTo(new DeliveryOutcome.RetryAt(now.plusSeconds(2), 1, "HTTP 429 (Retry-After 2s)", true));
        assertThat(answer(503, "20", 0)).isEqualTo(new DeliveryOutcome.RetryAt(now.plusSeconds(20), 2, "HTTP 503 (Retry-After 20s)", true));
        assertThat(answer(503, "3600", 0)).isEqualTo(new DeliveryOutcome.RetryAt(now.plusSeconds(60), 3, "HTTP 503 (Retry-After 60s)", true));
        assertThat(answer(429, "Sun, 01 Mar 2026 12:00:10 GMT", 1))
                .isEqualTo(new DeliveryOutcome.RetryAt(now.plusSeconds(10), 2, "HTTP 429 (Retry-After 10s)", true));
        assertThat(answer(429, "garbage", 0)).isEqualTo(new DeliveryOutcome.RetryAt(now.plusSeconds(5), 1, "HTTP 429", true));
        assertThat(answer(429, "1", 3)).isEqualTo(new DeliveryOutcome.DeadLetter("retries exhausted"));
        assertThat(OutcomeRules.classify(503, true)).isEqualTo(FailureClass.RATE_LIMITED);
        assertThat(OutcomeRules.classify(503, false)).isEqualTo(FailureClass.SERVER_ERROR);
        assertThat(OutcomeRules.classify(301, false)).isEqualTo(FailureClass.REDIRECT);
    }
}
