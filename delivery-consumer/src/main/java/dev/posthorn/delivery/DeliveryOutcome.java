package dev.posthorn.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** What became of one attempt to deliver an event to a subscription. */
public sealed interface DeliveryOutcome {

    /** The endpoint answered 2xx. */
    record Delivered(int status, Duration latency) implements DeliveryOutcome {}

    /**
     * Try again through retry tier {@code tier} at {@code at}.
     *
     * @param attempted whether this attempt actually sent a request (false when the circuit was open
     *                  or the endpoint saturated: the next attempt keeps its number)
     */
    record RetryAt(Instant at, int tier, String reason, boolean attempted) implements DeliveryOutcome {
        public RetryAt {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Give up: the delivery goes to the DLQ with {@code reason}. */
    record DeadLetter(String reason) implements DeliveryOutcome {
        public DeadLetter {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * The subscription's filter does not want the event: nothing is sent, nothing needs writing, and the
     * delivery is done (re-read after a crash, it is filtered again).
     *
     * @param filter the filter that turned it away (canonical JSON), for the attempt log
     */
    record Filtered(String filter) implements DeliveryOutcome {
        public Filtered {
            Objects.requireNonNull(filter, "filter");
        }
    }

    /** The endpoint asked to be left alone (410 Gone): disable the subscription. */
    record Disable(String reason) implements DeliveryOutcome {
        public Disable {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
