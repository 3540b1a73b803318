package dev.posthorn.delivery.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Per (subscription, key) order while nothing fails: one request per key in flight, the next
 * starting when the previous one's answer is in; different keys still in parallel.
 */
@PosthornIntegrationTest
class KeyOrderTest {

    private static final int PER_KEY = 200;
    private static final List<String> KEYS = List.of("order-1", "order-2", "order-3");

    @Test
    void eventsOfOneKeyArriveInCommitOrderAndKeysRunInParallel(KafkaBroker kafka, TestScope scope) throws Exception {
        Map<String, String> keyOf = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> inFlightPerKey = new ConcurrentHashMap<>();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger mostPerKey = new AtomicInteger();
        AtomicInteger mostOverall = new AtomicInteger();
        Receiver.Behaviour jittery = (eventId, n) -> {
            AtomicInteger sameKey = inFlightPerKey.computeIfAbsent(keyOf.getOrDefault(eventId, "?"), k -> new AtomicInteger());
            mostPerKey.accumulateAndGet(sameKey.incrementAndGet(), Math::max);
            mostOverall.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                Thread.sleep(ThreadLocalRandom.current().nextInt(16)); // the receiver's own work: 0-15 ms
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                sameKey.decrementAndGet();
                inFlight.decrementAndGet();
            }
            return Receiver.Answer.of(200);
        };
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 3);
             Receiver receiver = Receiver.start(jittery, "s")) {
            posthorn.subscription("order.*", receiver.url()).secret("s").put();
            posthorn.start(posthorn.config().build());

            Map<String, List<String>> committed = new HashMap<>();
            List<PosthornFixture.EventBuilder> sent = new ArrayList<>();
            for (int i = 0; i < PER_KEY * KEYS.size(); i++) {
                String key = KEYS.get(i % KEYS.size());
                PosthornFixture.EventBuilder e = posthorn.event("order.changed").key(key).payload("{\"n\":" + i + "}");
                String id = e.build().id();
                keyOf.put(id, key);
                committed.computeIfAbsent(key, k -> new ArrayList<>()).add(id);
                sent.add(e);
            }
            posthorn.sendAll(sent);

            Await.until(Duration.ofSeconds(60), "every event delivered",
                    () -> receiver.distinctEvents() == (long) PER_KEY * KEYS.size());
            Map<String, List<String>> arrived = new HashMap<>();
            for (Receiver.Request r : receiver.requests()) {
                assertThat(r.verification().isVerified()).as("signature of %s", r.eventId()).isTrue();
                arrived.computeIfAbsent(keyOf.get(r.eventId()), k -> new ArrayList<>()).add(r.eventId());
            }
            for (String key : KEYS) {
                assertThat(arrived.get(key)).as("arrival order of key %s", key).containsExactlyElementsOf(committed.get(key));
            }
            assertThat(mostPerKey.get()).as("requests of one key at once").isEqualTo(1);
            assertThat(mostOverall.get()).as("requests of different keys at once").isGreaterThan(1);
        }
    }
}
