package dev.posthorn.delivery.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.DeliveryListener;
import dev.posthorn.delivery.Redelivery;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

@PosthornIntegrationTest
class DuplicateEventTest {

    @Test
    void theSameEventIdTwiceIsDeliveredOnce(KafkaBroker kafka, TestScope scope) throws Exception {
        AtomicInteger inboxHits = new AtomicInteger();
        DeliveryListener listener = new DeliveryListener() {
            @Override
            public void inboxHit(String subscriptionId) {
                inboxHits.incrementAndGet();
            }
        };
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 2);
             Receiver receiver = Receiver.start(Receiver.OK, "s")) {
            String subscription = posthorn.subscription("invoice.created", receiver.url()).secret("s").put();
            posthorn.start(posthorn.config().listener(listener).build());
            String id = UUID.randomUUID().toString();
            // A relay re-reading after a crash writes the same event again, back to back...
            posthorn.event("invoice.created").id(id).key("inv-9").send();
            posthorn.event("invoice.created").id(id).key("inv-9").send();
            String marker = UUID.randomUUID().toString();
            posthorn.event("invoice.created").id(marker).key("inv-9").send();
            Await.until(Duration.ofSeconds(30), "later event delivered", () -> receiver.requests().stream()
                    .anyMatch(r -> r.eventId().equals(marker)));
            // ...or much later, after the first delivery's marker is on the inbox.
            posthorn.event("invoice.created").id(id).key("inv-9").send();
            String last = UUID.randomUUID().toString();
            posthorn.event("invoice.created").id(last).key("inv-9").send();
            Await.until(Duration.ofSeconds(30), "last event delivered", () -> receiver.requests().stream()
                    .anyMatch(r -> r.eventId().equals(last)));
            // The copies wait for the first delivery's inbox marker to be acknowledged, then are skipped.
            Await.until(Duration.ofSeconds(30), "both copies skipped", () -> inboxHits.get() == 2);
            assertThat(receiver.requests().stream().filter(r -> r.eventId().equals(id))).hasSize(1);
            assertThat(receiver.count()).isEqualTo(3);

            // Operator "recover": deliver it once more to this subscription although the inbox has its marker.
            var original = posthorn.read(posthorn.topics.events(), Duration.ofSeconds(10),
                    records -> records.stream().anyMatch(r -> id.equals(PosthornFixture.header(r, "posthorn.event_id"))))
                    .stream().filter(r -> id.equals(PosthornFixture.header(r, "posthorn.event_id"))).findFirst().orElseThrow();
            posthorn.send(Redelivery.recover(original, subscription, posthorn.topics, posthorn.eventPartitions,
                    java.time.Instant.now()));
            Await.until(Duration.ofSeconds(30), "recovered delivery", () -> receiver.requests().stream()
                    .filter(r -> r.eventId().equals(id)).count() == 2);
            assertThat(receiver.requests().stream().filter(r -> r.eventId().equals(id)).map(Receiver.Request::attempt))
                    .containsExactly(1, 1);
        }
    }
}
