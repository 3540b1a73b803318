package dev.posthorn.app.bench;

import dev.posthorn.signature.WebhookHeaders;
import dev.posthorn.signature.WebhookVerifier;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One subscriber URL of the {@link WebhookReceiver}: verifies each request's Standard Webhooks
 * signature over the raw body (one HMAC, no JSON parsing), and records when each event id first
 * arrived and how often it arrived again.
 *
 * <p>Events whose topic ends in {@value #PROBE_SUFFIX} are probes: they show that the subscription
 * is routed (the delivery consumer knows it) and are answered at once, even by a hanging endpoint,
 * without being counted.
 */
final class ReceiverEndpoint {

    /** Told about each event's first receipt, on the receiver's request thread; must be quick. */
    @FunctionalInterface
    interface ReceiptListener {
        ReceiptListener NONE = (eventId, receivedNanos) -> {};

        void firstReceipt(String eventId, long receivedNanos);
    }

    /** What the receiver answers a request with. */
    enum Answer {
        FIRST_RECEIPT(204),
        DUPLICATE(204),
        BAD_SIGNATURE(401),
        HUNG(503);

        final int status;

        Answer(int status) {
            this.status = status;
        }
    }

    static final String PROBE_SUFFIX = ".probe";

    private final String name;
    private final String secret;
    private final WebhookVerifier verifier;
    private final ReceiptListener listener;
    private volatile Duration hang;
    private final Map<String, Long> firstReceiptNanos = new ConcurrentHashMap<>();
    private final AtomicLong distinct = new AtomicLong();
    private final AtomicLong lastReceiptNanos = new AtomicLong();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder badSignatures = new LongAdder();
    private final LongAdder hungRequests = new LongAdder();
    private final CountDownLatch probed = new CountDownLatch(1);
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition reachedTarget = lock.newCondition();
    private volatile long awaitedTarget = Long.MAX_VALUE;

    private ReceiverEndpoint(String name, String secret, ReceiptListener listener, Duration hang) {
        this.name = name;
        this.secret = secret;
        this.verifier = WebhookVerifier.builder().secret(secret).build();
        this.listener = listener;
        this.hang = hang;
    }

    /** An endpoint that accepts every correctly signed request. */
    static ReceiverEndpoint accepting(String name, String secret, ReceiptListener listener) {
        return new ReceiverEndpoint(name, secret, listener, Duration.ZERO);
    }

    /** An endpoint that holds every request for {@code hang} (or until the receiver closes), then answers 503. */
    static ReceiverEndpoint hanging(String name, String secret, Duration hang) {
        return new ReceiverEndpoint(name, secret, ReceiptListener.NONE, hang);
    }

    String name() {
        return name;
    }

    /** The secret the subscription signs with. */
    String secret() {
        return secret;
    }

    boolean hangs() {
        return !hang.isZero();
    }

    /** From now on answers like an accepting endpoint (what is already held still waits out its hang). */
    void stopHanging() {
        hang = Duration.ZERO;
    }

    Duration hang() {
        return hang;
    }

    static boolean isProbe(Map<String, List<String>> headers) {
        return first(headers, WebhookHeaders.TOPIC).endsWith(PROBE_SUFFIX);
    }

    /** Accepts a correctly signed probe; see the class description. */
    Answer acceptProbe(Map<String, List<String>> headers, byte[] body) {
        if (!verifier.verify(headers, body).isVerified()) {
            badSignatures.increment();
            return Answer.BAD_SIGNATURE;
        }
        probed.countDown();
        return Answer.FIRST_RECEIPT;
    }

    /** Whether a probe arrived within {@code timeout}. */
    boolean awaitProbe(Duration timeout) throws InterruptedException {
        return probed.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    Answer accept(Map<String, List<String>> headers, byte[] body, long receivedNanos) {
        if (!verifier.verify(headers, body).isVerified()) {
            badSignatures.increment();
            return Answer.BAD_SIGNATURE;
        }
        String eventId = first(headers, WebhookHeaders.WEBHOOK_ID);
        if (firstReceiptNanos.putIfAbsent(eventId, receivedNanos) != null) {
            duplicates.increment();
            return Answer.DUPLICATE;
        }
        lastReceiptNanos.accumulateAndGet(receivedNanos, Math::max);
        listener.firstReceipt(eventId, receivedNanos);
        if (distinct.incrementAndGet() >= awaitedTarget) {
            signalTarget();
        }
        return Answer.FIRST_RECEIPT;
    }

    void countHungRequest() {
        hungRequests.increment();
    }

    /**
     * Waits until {@code target} distinct events have arrived or the deadline ({@link System#nanoTime()})
     * has passed. One waiter at a time.
     *
     * @return whether the target was reached
     */
    boolean awaitDistinct(long target, long deadlineNanos) throws InterruptedException {
        awaitedTarget = target;
        lock.lock();
        try {
            long remaining = deadlineNanos - System.nanoTime();
            while (distinct.get() < target && remaining > 0) {
                remaining = reachedTarget.awaitNanos(Math.min(remaining, TimeUnit.SECONDS.toNanos(1)));
                remaining = deadlineNanos - System.nanoTime();
            }
            return distinct.get() >= target;
        } finally {
            awaitedTarget = Long.MAX_VALUE;
            lock.unlock();
        }
    }

    private void signalTarget() {
        lock.lock();
        try {
            reachedTarget.signalAll();
        } finally {
            lock.unlock();
        }
    }

    boolean received(String eventId) {
        return firstReceiptNanos.containsKey(eventId);
    }

    long distinctEvents() {
        return distinct.get();
    }

    long duplicates() {
        return duplicates.sum();
    }

    long badSignatures() {
        return badSignatures.sum();
    }

    long hungRequests() {
        return hungRequests.sum();
    }

    /** {@link System#nanoTime()} of the latest first receipt, or 0 if none. */
    long lastReceiptNanos() {
        return lastReceiptNanos.get();
    }

    private static String first(Map<String, List<String>> headers, String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? "" : values.get(0);
    }
}
