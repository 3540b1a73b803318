package dev.posthorn.delivery;

import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Calls the configured listener, logging and ignoring whatever it throws. */
final class SafeListener implements DeliveryListener {

    private static final Logger log = LoggerFactory.getLogger(SafeListener.class);

    private final DeliveryListener delegate;

    SafeListener(DeliveryListener delegate) {
        this.delegate = delegate;
    }

    private void call(String event, Consumer<DeliveryListener> call) {
        try {
            call.accept(delegate);
        } catch (RuntimeException e) {
            log.warn("DeliveryListener.{} threw; ignored", event, e);
        }
    }

    @Override
    public void gauges(DeliveryGauges gauges) {
        call("gauges", l -> l.gauges(gauges));
    }

    @Override
    public void stateChanged(DeliveryService.State state) {
        call("stateChanged", l -> l.stateChanged(state));
    }

    @Override
    public void responded(String endpoint, int status, Duration latency) {
        call("responded", l -> l.responded(endpoint, status, latency));
    }

    @Override
    public void delivered(String subscriptionId, String endpoint, int attempt) {
        call("delivered", l -> l.delivered(subscriptionId, endpoint, attempt));
    }

    @Override
    public void failed(String subscriptionId, String endpoint, FailureClass failure) {
        call("failed", l -> l.failed(subscriptionId, endpoint, failure));
    }

    @Override
    public void retried(String subscriptionId, int tier) {
        call("retried", l -> l.retried(subscriptionId, tier));
    }

    @Override
    public void deadLettered(String subscriptionId, String reason) {
        call("deadLettered", l -> l.deadLettered(subscriptionId, reason));
    }

    @Override
    public void disabled(String subscriptionId, String reason) {
        call("disabled", l -> l.disabled(subscriptionId, reason));
    }

    @Override
    public void filtered(String subscriptionId) {
        call("filtered", l -> l.filtered(subscriptionId));
    }

    @Override
    public void inboxHit(String subscriptionId) {
        call("inboxHit", l -> l.inboxHit(subscriptionId));
    }

    @Override
    public void attempted(String subscriptionId, dev.posthorn.delivery.attempts.AttemptOutcome outcome) {
        call("attempted", l -> l.attempted(subscriptionId, outcome));
    }

    @Override
    public AttemptObserver attemptStarting(AttemptStart attempt) {
        AttemptObserver observer;
        try {
            observer = delegate.attemptStarting(attempt);
        } catch (RuntimeException e) {
            log.warn("DeliveryListener.attemptStarting threw; ignored", e);
            return AttemptObserver.NONE;
        }
        if (observer == null || observer == AttemptObserver.NONE) {
            return AttemptObserver.NONE;
        }
        return new AttemptObserver() {
            @Override
            public java.util.Optional<String> traceparent() {
                try {
                    return observer.traceparent();
                } catch (RuntimeException e) {
                    log.warn("AttemptObserver.traceparent threw; the event's traceparent is sent", e);
                    return java.util.Optional.empty();
                }
            }

            @Override
            public void responded(int status) {
                try {
                    observer.responded(status);
                } catch (RuntimeException e) {
                    log.warn("AttemptObserver.responded threw; ignored", e);
                }
            }

            @Override
            public void failed(Throwable error) {
                try {
                    observer.failed(error);
                } catch (RuntimeException e) {
                    log.warn("AttemptObserver.failed threw; ignored", e);
                }
            }
        };
    }
}
