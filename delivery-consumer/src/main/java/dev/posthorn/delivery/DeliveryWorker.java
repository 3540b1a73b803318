package dev.posthorn.delivery;

import dev.posthorn.delivery.attempts.AttemptLog;
import dev.posthorn.delivery.attempts.AttemptOutcome;
import dev.posthorn.delivery.attempts.AttemptRecord;
import dev.posthorn.delivery.guard.BlockedDestinationException;
import dev.posthorn.delivery.operational.OperationalNotices;
import dev.posthorn.delivery.operational.SustainedFailure;
import dev.posthorn.delivery.http.HttpResult;
import dev.posthorn.delivery.http.WebhookSender;
import dev.posthorn.delivery.inbox.InboxStore;
import dev.posthorn.delivery.ratelimit.RateLimits;
import dev.posthorn.delivery.retry.CircuitBreaker;
import dev.posthorn.delivery.retry.RetrySchedule;
import dev.posthorn.delivery.subscriptions.Subscription;
import dev.posthorn.delivery.subscriptions.SubscriptionRegistry;
import dev.posthorn.signature.WebhookSigner;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one delivery on a virtual thread: sign, send, decide the outcome, and write the record that
 * makes the outcome durable (inbox marker, retry record, DLQ record), waiting for Kafka's
 * acknowledgement before reporting back. Thread-safe; shared by all deliveries of a service.
 */
final class DeliveryWorker {

    private static final Logger log = LoggerFactory.getLogger(DeliveryWorker.class);
    private static final int MAX_ERROR_CHARS = 300;

    /** What the consumer loop learns when a delivery ends. */
    sealed interface Result {}

    /** The outcome's record was acknowledged (or nothing needed writing). */
    record Durable() implements Result {}

    /** Retry in memory at {@code at}: strict order (holding the key's lane), or after an unexpected error. */
    record RetryInPlace(Delivery next, Instant at) implements Result {}

    /** Shutdown overtook the delivery; nothing durable was written for it. */
    record Abandoned() implements Result {}

    private static final class AbandonedException extends Exception {
        AbandonedException() {
            super(null, null, false, false);
        }
    }

    /**
     * An attempt's outcome, and what the delivery log records about it ({@code exchange} null: nothing,
     * as no request was made, e.g. an open circuit or a parked delivery).
     */
    private record Attempted(Delivery delivery, DeliveryOutcome outcome, Exchange exchange) {}

    /** What one attempt saw, for its record on {@code <prefix>.attempts}. */
    private record Exchange(int attempt, Instant at, long durationMs, Integer status, String error, String response,
                            boolean requested) {}

    private final DeliveryConfig config;
    private final Topics topics;
    private final RetrySchedule schedule;
    private final Clock clock;
    private final WebhookSender sender;
    private final Producer<byte[], byte[]> producer;
    private final SubscriptionRegistry registry;
    private final InboxStore inbox;
    private final SafeListener listener;
    private final int retryPartitions;
    private final int dlqPartitions;
    private final BooleanSupplier abandoning;
    private final AttemptLog attemptLog;
    private final SustainedFailure sustainedFailure;
    private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    /** How to abort each request in flight, by the partition its delivery came from. */
    private final Map<PartitionWork, Set<Runnable>> aborts = new ConcurrentHashMap<>();

    DeliveryWorker(DeliveryConfig config, WebhookSender sender, Producer<byte[], byte[]> producer,
                   SubscriptionRegistry registry, InboxStore inbox, SafeListener listener, int retryPartitions,
                   int dlqPartitions, BooleanSupplier abandoning, AttemptLog attemptLog) {
        this.config = config;
        this.topics = config.topics();
        this.schedule = config.schedule();
        this.clock = config.clock();
        this.sender = sender;
        this.producer = producer;
        this.registry = registry;
        this.inbox = inbox;
        this.listener = listener;
        this.retryPartitions = retryPartitions;
        this.dlqPartitions = dlqPartitions;
        this.abandoning = abandoning;
        this.attemptLog = attemptLog;
        this.sustainedFailure = new SustainedFailure(config.disableAfter());
    }

    /**
     * Delivers {@code d} to {@code subscription}, or only records {@code preset} when given (no
     * request is made then). Blocks until the outcome is durable. {@code exchangeEnded} runs exactly
     * once, when the HTTP exchange is over (or was never made), before the outcome is written.
     */
    Result run(Delivery d, Subscription subscription, DeliveryOutcome preset, Runnable exchangeEnded) {
        try {
            Attempted attempted;
            try {
                if (d.source() != null && d.source().work().revoked) {
                    return new Abandoned(); // its partition moved on before this started: the next owner sends it
                }
                attempted = preset != null ? presetAttempt(d, preset) : attempt(d, subscription);
            } finally {
                exchangeEnded.run();
            }
            if (attempted == null) {
                return new Abandoned();
            }
            Result result = persist(attempted.delivery(), subscription, attempted.outcome());
            if (!(result instanceof Abandoned)) {
                recordAttempt(attempted, subscription); // after the outcome is durable: the log never runs ahead
            }
            return result;
        } catch (AbandonedException e) {
            return new Abandoned();
        }
    }

    /**
     * Moves a record that is not a deliverable event to the DLQ, retrying the write until it is
     * acknowledged or the service stops. Blocking: call it from a worker thread.
     */
    Result deadLetterMalformed(ConsumerRecord<byte[], byte[]> record, String reason) {
        try {
            send(DeliveryRecords.malformed(topics, record.key(), record.value(), record.headers(), record.partition(),
                    record.offset(), reason, dlqPartitions, clock.instant()));
            listener.deadLettered(null, "malformed event");
            return new Durable();
        } catch (AbandonedException e) {
            return new Abandoned();
        }
    }

    /** Aborts the requests in flight for deliveries of {@code work}'s partition (revoked: fenced already). */
    void abortRequests(PartitionWork work) {
        Set<Runnable> running = aborts.remove(work);
        if (running != null) {
            running.forEach(Runnable::run);
        }
    }

    /** Request header on deliveries an operator re-queued with recover (they bypass the inbox). */
    static final String RECOVERY_HEADER = "X-Posthorn-Recovery";

    /** Paces each rate-limited subscription: see {@link RateLimits} for how instances share a limit. */
    private final RateLimits rateLimits = new RateLimits();

    /** This instance now owns {@code owned} of the {@code total} events partitions (its share of rate limits). */
    void ownedShare(int owned, int total) {
        rateLimits.ownedShare(owned, total);
    }

    private Attempted attempt(Delivery d, Subscription s) {
        if (!s.accepts(d.event().value())) {
            return presetAttempt(d, new DeliveryOutcome.Filtered(s.filter().json()));
        }
        if (s.rateLimit() > 0 && !awaitTurn(d, s)) {
            return null; // shutdown or a revoke overtook the wait: nothing was sent, the next owner sends it
        }
        Instant now = clock.instant();
        String endpoint = s.endpoint();
        Map<String, String> headers;
        try {
            headers = WebhookSigner.attemptHeaders()
                    .eventId(d.event().eventId())
                    .topic(d.event().topic())
                    .attempt(d.attempts() + 1)
                    .payloadVersion(d.event().payloadVersion())
                    .subscriptionId(s.id())
                    .timestamp(now.getEpochSecond())
                    .body(d.event().value())
                    .currentSecret(s.secret())
                    .previousSecrets(s.previousSecrets(now))
                    .hmac(s.signsHmac())
                    .signingKeys(s.signingKeys(now))
                    .traceparent(d.event().traceparent())
                    .userAgentVersion(config.userAgentVersion())
                    .build();
        } catch (IllegalArgumentException e) {
            listener.failed(s.id(), endpoint, FailureClass.SUBSCRIPTION_UNUSABLE);
            return new Attempted(d.noted(e.getMessage()), new DeliveryOutcome.DeadLetter("unsignable event"),
                    new Exchange(d.attempts() + 1, now, 0, null, clean("unsignable event: " + e.getMessage()), null, false));
        }
        if (!s.headers().isEmpty()) {
            // The subscription's static headers first; they never name one of Posthorn's (validated when set).
            Map<String, String> withCustom = new java.util.LinkedHashMap<>(s.headers());
            withCustom.putAll(headers);
            headers = withCustom;
        }
        if (d.skipInbox()) {
            // An operator's recover re-sends on purpose: tell receivers it is not an ordinary retry.
            headers = new java.util.LinkedHashMap<>(headers);
            headers.put(RECOVERY_HEADER, "true");
        }
        CircuitBreaker breaker = breakers.computeIfAbsent(endpoint, this::newBreaker);
        if (breaker.tryAcquire(now) == CircuitBreaker.Permit.REJECTED) {
            listener.failed(s.id(), endpoint, FailureClass.CIRCUIT_OPEN);
            return new Attempted(d.noted("circuit open for " + endpoint),
                    OutcomeRules.retry("circuit open", d.tier(), false, schedule, now, random()), null);
        }
        HttpResult result;
        PartitionWork work = d.source() == null ? null : d.source().work();
        Runnable[] abort = new Runnable[1];
        AttemptObserver observer = listener.attemptStarting(new AttemptStart(d.event().eventId(), d.event().topic(),
                topics.events(), d.event().partition(), d.event().offset(), java.util.Optional.ofNullable(d.event().traceparent()),
                s.id(), s.url(), d.attempts() + 1));
        headers = withTraceparent(headers, observer);
        try {
            result = sender.post(s.url(), headers, d.event().value(), a -> {
                abort[0] = a;
                if (work != null) {
                    aborts.computeIfAbsent(work, w -> ConcurrentHashMap.newKeySet()).add(a);
                }
            });
        } catch (BlockedDestinationException e) {
            observer.failed(e);
            breaker.onNeutral();
            listener.failed(s.id(), endpoint, FailureClass.BLOCKED);
            return new Attempted(d.noted(e.detail()), new DeliveryOutcome.DeadLetter(OutcomeRules.BLOCKED_DESTINATION),
                    new Exchange(d.attempts() + 1, now, 0, null, clean(OutcomeRules.BLOCKED_DESTINATION + ": " + e.detail()), null, false));
        } catch (RuntimeException e) {
            observer.failed(e);
            throw e;
        } catch (IOException e) {
            observer.failed(e);
            if (abandoning.getAsBoolean() || work != null && work.revoked) {
                breaker.onNeutral();
                return null; // cancelled by shutdown or a revoke: the next owner of the partition retries it
            }
            breaker.onFailure(clock.instant());
            boolean timeout = e instanceof InterruptedIOException;
            listener.failed(s.id(), endpoint, timeout ? FailureClass.TIMEOUT : FailureClass.CONNECTION);
            String error = (timeout ? "timeout: " : "connection error: ") + describe(e);
            Instant failedAt = clock.instant();
            return new Attempted(d.attempted(now, null, error),
                    OutcomeRules.retry(error, d.tier(), true, schedule, failedAt, random()),
                    new Exchange(d.attempts() + 1, now, Math.max(0, Duration.between(now, failedAt).toMillis()), null, error, null, true));
        } finally {
            if (work != null && abort[0] != null) {
                aborts.computeIfPresent(work, (w, set) -> {
                    set.remove(abort[0]);
                    return set.isEmpty() ? null : set;
                });
            }
        }
        observer.responded(result.status());
        listener.responded(endpoint, result.status(), result.latency());
        Instant answered = clock.instant();
        DeliveryOutcome outcome = OutcomeRules.afterResponse(result.status(), result.retryAfter(), result.latency(),
                d.tier(), schedule, config.retryAfterMax(), answered, random());
        if (result.isSuccess() || result.status() == 410) {
            breaker.onSuccess();
        } else if (result.status() == 429) {
            breaker.onNeutral(); // it is alive and asked us to slow down: Retry-After handles that
        } else {
            breaker.onFailure(answered);
        }
        if (!result.isSuccess()) {
            listener.failed(s.id(), endpoint, OutcomeRules.classify(result.status(), result.retryAfter() != null));
        }
        String error = result.isSuccess() ? null : httpError(result);
        return new Attempted(d.attempted(now, result.status(), error), outcome,
                new Exchange(d.attempts() + 1, now, result.latency().toMillis(), result.status(), error, result.bodyStart(), true));
    }

    /**
     * An outcome decided without a request: recorded unless it only parks the delivery on a retry tier
     * (a dead letter shows why; a filtered one is recorded as {@link AttemptOutcome#FILTERED}).
     */
    private Attempted presetAttempt(Delivery d, DeliveryOutcome preset) {
        if (preset instanceof DeliveryOutcome.RetryAt) {
            return new Attempted(d, preset, null);
        }
        String error = preset instanceof DeliveryOutcome.DeadLetter dead
                ? clean(dead.reason() + (d.lastError() == null ? "" : ": " + d.lastError()))
                : null;
        return new Attempted(d, preset, new Exchange(d.attempts() + 1, clock.instant(), 0, null, error, null, false));
    }

    /** Hands the attempt's record to the delivery log; never blocks on Kafka, never fails the delivery. */
    private void recordAttempt(Attempted attempted, Subscription s) {
        Exchange x = attempted.exchange();
        if (x == null) {
            return;
        }
        Delivery d = attempted.delivery();
        AttemptOutcome outcome = outcomeOf(attempted.outcome());
        int number = x.attempt();
        try {
            attemptLog.record(new AttemptRecord(d.event().eventId(), d.subscriptionId(),
                    s == null ? null : s.url().toString(), d.event().topic(), number, x.at(), x.durationMs(), outcome,
                    x.status(), x.error(), x.response(), d.skipInbox(), d.event().partition(), d.event().offset()));
        } catch (RuntimeException e) {
            log.warn("Could not record attempt {} of event {} for subscription {}: {}", number, d.event().eventId(),
                    d.subscriptionId(), e.toString());
        }
        listener.attempted(d.subscriptionId(), outcome);
        if (s != null && x.requested() && outcome != AttemptOutcome.GONE) { // a 410 disables at once anyway
            Instant since = sustainedFailure.attempted(s.id(), s.updatedAt(), outcome.succeeded(), clock.instant());
            if (since != null) {
                disableFailing(d, s, since);
            }
        }
    }

    /** Every attempt to {@code s} failed for the configured period: disable it (announced unless operational). */
    private void disableFailing(Delivery d, Subscription s, Instant since) {
        Instant now = clock.instant();
        String reason = "failing since " + since;
        registry.disableLocally(s.id(), reason, now);
        log.error("Subscription {} disabled: every attempt failed for {} ({}); asking the relay to record it on {}",
                s.id(), config.disableAfter(), reason, topics.control());
        listener.disabled(s.id(), reason);
        ProducerRecord<byte[], byte[]> stamped = DeliveryRecords.disable(topics, s.id(), reason, now);
        // Stamped by the producer's wall clock: the injected clock may be far from it (the broker refuses that).
        ProducerRecord<byte[], byte[]> control = new ProducerRecord<>(stamped.topic(), null, null, stamped.key(),
                stamped.value(), stamped.headers());
        try {
            producer.send(OperationalNotices.isOperational(d.event().topic()) ? OperationalNotices.quiet(control) : control,
                    (m, e) -> {
                        if (e != null) {
                            log.error("Could not write the disable of subscription {} to {}: {}. It stays disabled in"
                                    + " this instance only; disable it in the subscriptions table.", s.id(),
                                    topics.control(), e.toString());
                        }
                    });
        } catch (RuntimeException e) {
            log.error("Could not write the disable of subscription {} to {}: {}", s.id(), topics.control(), e.toString());
        }
    }

    /**
     * The delivery log's name for an outcome: the one place where a {@link DeliveryOutcome} gets its name.
     */
    static AttemptOutcome outcomeOf(DeliveryOutcome outcome) {
        return switch (outcome) {
            case DeliveryOutcome.Delivered delivered -> AttemptOutcome.DELIVERED;
            case DeliveryOutcome.RetryAt retry -> AttemptOutcome.RETRYING;
            case DeliveryOutcome.DeadLetter dead -> OutcomeRules.BLOCKED_DESTINATION.equals(dead.reason())
                    ? AttemptOutcome.BLOCKED : AttemptOutcome.DEAD_LETTERED;
            case DeliveryOutcome.Disable disable -> AttemptOutcome.GONE;
            case DeliveryOutcome.Filtered filtered -> AttemptOutcome.FILTERED;
        };
    }

    /**
     * Waits, on this virtual thread and holding the subscription's own slot, until the rate limit lets the
     * request go (like a slow endpoint's delivery waits for its answer). False when shutdown or a revoke of
     * the delivery's partition ends the wait first.
     */
    private boolean awaitTurn(Delivery d, Subscription s) {
        long due = System.nanoTime() + rateLimits.reserve(s.id(), s.rateLimit(), System.nanoTime());
        PartitionWork work = d.source() == null ? null : d.source().work();
        long left;
        while ((left = due - System.nanoTime()) > 0) {
            if (abandoning.getAsBoolean() || work != null && work.revoked) {
                return false;
            }
            LockSupport.parkNanos(Math.min(left, RATE_WAIT_CHECK_NANOS));
        }
        return true;
    }

    private static final long RATE_WAIT_CHECK_NANOS = Duration.ofMillis(50).toNanos();

    /** The signed headers, with the attempt's own traceparent when the observer has one (it is not signed). */
    private static Map<String, String> withTraceparent(Map<String, String> headers, AttemptObserver observer) {
        java.util.Optional<String> traceparent = observer.traceparent();
        if (traceparent.isEmpty()) {
            return headers;
        }
        Map<String, String> replaced = new java.util.LinkedHashMap<>(headers);
        replaced.put(dev.posthorn.signature.WebhookHeaders.TRACEPARENT, traceparent.get());
        return replaced;
    }

    private Result persist(Delivery d, Subscription s, DeliveryOutcome outcome) throws AbandonedException {
        Instant now = clock.instant();
        if (d.source() != null && d.source().work().revoked && !(outcome instanceof DeliveryOutcome.Delivered)) {
            // Fenced: the partition has moved on and its next owner decides this delivery again. A retry or
            // DLQ record written now would make a second chain of attempts; a marker only suppresses one.
            log.info("Not recording the outcome of event {} for subscription {}: partition {} was revoked",
                    d.event().eventId(), d.subscriptionId(), d.source().work());
            return new Abandoned();
        }
        String subscriptionId = d.subscriptionId();
        switch (outcome) {
            case DeliveryOutcome.Delivered delivered -> {
                send(DeliveryRecords.marker(topics, d, now));
                inbox.add(d.event().partition(), subscriptionId, d.event().eventId(), now);
                listener.delivered(subscriptionId, s.endpoint(), d.attempts());
                return new Durable();
            }
            case DeliveryOutcome.RetryAt retry -> {
                log.atLevel(config.transientFailureLogLevel()).log(
                        "Delivery of event {} to subscription {} failed after {} attempt(s) ({}); retry tier {} due {}",
                        d.event().eventId(), subscriptionId, d.attempts(), retry.reason(), retry.tier(), retry.at());
                listener.retried(subscriptionId, retry.tier());
                if (s != null && s.strictOrder() && d.source() != null) {
                    return new RetryInPlace(d.atTier(retry.tier()), retry.at());
                }
                send(DeliveryRecords.retry(topics, d, retry.tier(), retry.at(), retryPartitions, now));
                return new Durable();
            }
            case DeliveryOutcome.DeadLetter dead -> {
                send(DeliveryRecords.deadLetter(topics, d, dead.reason(), dlqPartitions, now));
                log.error("Dead-lettered event {} for subscription {} after {} attempt(s): {}{}",
                        d.event().eventId(), subscriptionId, d.attempts(), dead.reason(),
                        d.lastError() == null ? "" : " (last error: " + d.lastError() + ")");
                listener.deadLettered(subscriptionId, dead.reason());
                announceDeadLetter(d, dead.reason());
                return new Durable();
            }
            case DeliveryOutcome.Filtered filtered -> {
                listener.filtered(subscriptionId);
                return new Durable(); // nothing to write: filtered again if the event is ever read again
            }
            case DeliveryOutcome.Disable disable -> {
                registry.disableLocally(subscriptionId, disable.reason(), now);
                log.error("Subscription {} disabled: {}; asking the relay to record it on {}",
                        subscriptionId, disable.reason(), topics.control());
                listener.disabled(subscriptionId, disable.reason());
                try {
                    ProducerRecord<byte[], byte[]> control = DeliveryRecords.disable(topics, subscriptionId, disable.reason(), now);
                    producer.send(OperationalNotices.isOperational(d.event().topic())
                            ? OperationalNotices.quiet(control) : control).get();
                } catch (ExecutionException e) {
                    log.error("Could not write the disable of subscription {} to {}: {}. It stays disabled in this "
                                    + "instance only; disable it in the subscriptions table.",
                            subscriptionId, topics.control(), e.getCause().toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AbandonedException();
                }
                send(DeliveryRecords.deadLetter(topics, d, disable.reason(), dlqPartitions, now));
                listener.deadLettered(subscriptionId, disable.reason());
                announceDeadLetter(d, disable.reason());
                return new Durable();
            }
        }
    }

    /**
     * Asks the relay to publish {@code posthorn.delivery.dead_lettered}, without waiting: the DLQ record
     * is what makes the outcome durable. A failure of an operational event's own delivery announces nothing.
     */
    private void announceDeadLetter(Delivery d, String reason) {
        if (OperationalNotices.isOperational(d.event().topic())) {
            return;
        }
        try {
            producer.send(OperationalNotices.deadLettered(topics, d.event().eventId(), d.event().topic(),
                    d.subscriptionId(), reason, d.attempts(), d.lastStatus(), d.lastError(), clock.instant()), (m, e) -> {
                if (e != null) {
                    log.warn("Could not ask the relay to announce the dead letter of event {} for subscription {} on {}: {}",
                            d.event().eventId(), d.subscriptionId(), topics.control(), e.toString());
                }
            });
        } catch (RuntimeException e) {
            log.warn("Could not ask the relay to announce the dead letter of event {} for subscription {}: {}",
                    d.event().eventId(), d.subscriptionId(), e.toString());
        }
    }

    /** Writes a record and waits for the acknowledgement, retrying (never dropping) until shutdown. */
    private void send(ProducerRecord<byte[], byte[]> record) throws AbandonedException {
        long backoffNanos = Duration.ofMillis(200).toNanos();
        while (true) {
            try {
                producer.send(record).get();
                return;
            } catch (ExecutionException e) {
                if (abandoning.getAsBoolean()) {
                    throw new AbandonedException();
                }
                log.warn("Cannot write to {} yet ({}); retrying", record.topic(), e.getCause().toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AbandonedException();
            } catch (RuntimeException e) {
                // the producer was closed under us: only happens at shutdown
                throw new AbandonedException();
            }
            LockSupport.parkNanos(backoffNanos); // a virtual worker thread, never the poll loop
            backoffNanos = Math.min(backoffNanos * 2, Duration.ofSeconds(5).toNanos());
        }
    }

    private CircuitBreaker newBreaker(String endpoint) {
        return new CircuitBreaker(config.circuitFailureThreshold(), config.circuitOpenDuration(),
                (from, to, failures) -> {
                    if (to == CircuitBreaker.State.OPEN) {
                        log.warn("Circuit for {} opened after {} consecutive failures; deliveries to it move to the "
                                + "next retry tier without a request for {}", endpoint, failures, config.circuitOpenDuration());
                    } else if (to == CircuitBreaker.State.CLOSED) {
                        log.info("Circuit for {} closed: the endpoint answered again", endpoint);
                    } else {
                        log.info("Circuit for {} half-open: sending one probe", endpoint);
                    }
                });
    }

    private double random() {
        double r = config.jitterRandom().getAsDouble();
        return r >= 0 && r < 1 ? r : 0.5;
    }

    private static String httpError(HttpResult result) {
        String body = result.bodyStart() == null ? "" : result.bodyStart().strip();
        String text = "HTTP " + result.status() + (body.isEmpty() ? "" : ": " + body);
        return clean(text);
    }

    private static String describe(Throwable e) {
        return clean(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }

    /** One line, printable, bounded: it ends up in a Kafka header and in logs. */
    private static String clean(String text) {
        StringBuilder b = new StringBuilder(Math.min(text.length(), MAX_ERROR_CHARS));
        for (int i = 0; i < text.length() && b.length() < MAX_ERROR_CHARS; i++) {
            char c = text.charAt(i);
            b.append(Character.isISOControl(c) ? ' ' : c);
        }
        return b.toString();
    }
}
