package dev.posthorn.app.bench;

import dev.posthorn.signature.WebhookSecrets;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Baseline: signed POSTs of the same envelope straight to the receiver, {@code concurrency} loops
 * as fast as they can. The ceiling any delivery path through this receiver can reach.
 */
final class HttpPostBaseline {

    private static final String TOPIC = "bench.http";

    private final BenchSettings settings;
    private final WebhookReceiver receiver;
    private final Console console;

    HttpPostBaseline(BenchSettings settings, WebhookReceiver receiver, Console console) {
        this.settings = settings;
        this.receiver = receiver;
        this.console = console;
    }

    /** A warm-up round (not measured), then the measured one. */
    Throughput run() throws InterruptedException {
        if (settings.warmupEvents() > 0) {
            post("http-baseline-warmup", settings.warmupEvents());
        }
        return post("http-baseline", settings.events());
    }

    @SuppressWarnings("try") // the progress handle is only closed
    private Throughput post(String endpointName, long events) throws InterruptedException {
        String secret = WebhookSecrets.generate();
        ReceiverEndpoint endpoint = receiver.add(
                ReceiverEndpoint.accepting(endpointName, secret, ReceiverEndpoint.ReceiptListener.NONE));
        URI url = receiver.url(endpoint);
        byte[] body = Payloads.envelope(Instant.now(), TOPIC, Payloads.payload(0), 1);
        AtomicLong next = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long startNanos = System.nanoTime();
        try (SignedPoster poster = new SignedPoster(settings, Clock.systemUTC());
                ExecutorService loops = Executors.newFixedThreadPool(settings.concurrency(),
                        Thread.ofPlatform().name("bench-http-", 0).factory());
                Console.Progress progress = console.progress(() -> endpointName + ": received "
                        + endpoint.distinctEvents() + "/" + events + ", failed " + failed.get())) {
            List<Future<Void>> workers = new ArrayList<>();
            for (int i = 0; i < settings.concurrency(); i++) {
                workers.add(loops.submit(() -> {
                    while (next.getAndIncrement() < events) {
                        try {
                            int status = poster.post(url, endpointName, secret, UUID.randomUUID().toString(), TOPIC, body);
                            if (status / 100 != 2) {
                                failed.incrementAndGet();
                            }
                        } catch (IOException e) {
                            // counted and reported like a non-2xx answer: one lost connection must not void the baseline
                            if (failed.getAndIncrement() == 0) {
                                console.line(endpointName + ": a request failed: " + e);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<Void> worker : workers) {
                try {
                    worker.get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException("the HTTP baseline failed", e.getCause());
                }
            }
        }
        if (failed.get() > 0) {
            console.line(endpointName + ": " + failed.get() + " requests were not answered with 2xx");
        }
        return new Throughput(endpoint.distinctEvents(), startNanos, endpoint.lastReceiptNanos());
    }
}
