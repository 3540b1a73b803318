package dev.posthorn.delivery.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.DeliveryListener;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Payload filters, custom headers and rate limits, as receivers see them through a real broker and HTTP. */
@PosthornIntegrationTest
class SubscriptionOptionsDeliveryTest {

    @Test
    void aFilteredSubscriptionGetsOnlyMatchingEventsWithItsHeadersAndTheRestAreCounted(KafkaBroker kafka, TestScope scope)
            throws Exception {
        AtomicInteger filtered = new AtomicInteger();
        String secret = dev.posthorn.signature.WebhookSecrets.generate();
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 3);
             Receiver paid = Receiver.start(Receiver.OK, secret);
             Receiver all = Receiver.start(Receiver.OK, "unused")) {
            posthorn.subscription("invoice.*", paid.url()).secret(secret)
                    .filter("{\"$or\":[{\"payload.status\":\"paid\"},{\"payload.total\":{\"$gte\":1000}}]}")
                    .header("X-Tenant", "t1").header("Authorization", "Bearer gateway-token").put();
            posthorn.subscription("invoice.*", all.url()).put();
            List<PosthornFixture.EventBuilder> events = new ArrayList<>();
            Set<String> wanted = new HashSet<>();
            for (int i = 0; i < 20; i++) {
                String status = i % 4 == 0 ? "paid" : "open";
                int total = i == 3 ? 5000 : 10 * i;
                PosthornFixture.EventBuilder e = posthorn.event("invoice.updated").key("inv-" + i)
                        .payload("{\"status\":\"" + status + "\",\"total\":" + total + "}");
                events.add(e);
                if (status.equals("paid") || total >= 1000) {
                    wanted.add(e.build().id());
                }
            }
            posthorn.sendAll(events);
            posthorn.start(posthorn.config().listener(new DeliveryListener() {
                @Override
                public void filtered(String subscriptionId) {
                    filtered.incrementAndGet();
                }
            }).build());

            Await.until(Duration.ofSeconds(60), "all events at the unfiltered receiver, the rest filtered",
                    () -> all.count() >= 20 && filtered.get() >= 20 - wanted.size());
            Await.until(Duration.ofSeconds(30), "matching events at the filtered receiver", () -> paid.count() >= wanted.size());
            Set<String> got = new HashSet<>();
            for (Receiver.Request r : paid.requests()) {
                got.add(r.header("webhook-id"));
                assertThat(r.header("X-Tenant")).isEqualTo("t1");
                assertThat(r.header("Authorization")).isEqualTo("Bearer gateway-token");
                assertThat(r.verification()).as("custom headers do not disturb the signature")
                        .isInstanceOf(dev.posthorn.signature.VerificationResult.Verified.class);
            }
            assertThat(got).isEqualTo(wanted);
            assertThat(paid.count()).as("no event twice, none that did not match").isEqualTo(wanted.size());
            assertThat(filtered.get()).isEqualTo(20 - wanted.size());
            assertThat(all.requests()).allSatisfy(r -> assertThat(r.header("X-Tenant")).isNull());
        }
    }

    @Test
    void aRateLimitedSubscriptionIsPacedWithoutHoldingBackTheOthers(KafkaBroker kafka, TestScope scope) throws Exception {
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 3);
             Receiver receiver = Receiver.start(Receiver.OK, "unused")) {
            // Both at the same endpoint (host:port): the limited one's waiting deliveries must not take its slots.
            String limited = posthorn.subscription("order.*", receiver.url()).rateLimit(5).put();
            String free = posthorn.subscription("order.*", receiver.url().resolve("/other")).put();
            List<PosthornFixture.EventBuilder> events = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                events.add(posthorn.event("order.placed").key("order-" + i).payload("{\"n\":" + i + "}"));
            }
            posthorn.sendAll(events);
            posthorn.start(posthorn.config().maxInFlightPerEndpoint(4).build());

            Await.until(Duration.ofSeconds(30), "the unlimited subscription got everything", () -> count(receiver, free) >= 30);
            Await.until(Duration.ofSeconds(60), "the limited subscription got everything", () -> count(receiver, limited) >= 30);

            List<Receiver.Request> got = receiver.requests().stream()
                    .filter(r -> limited.equals(r.header("X-Webhook-Subscription"))).toList();
            List<Instant> arrivals = got.stream().map(Receiver.Request::at).sorted().toList();
            assertThat(Duration.between(arrivals.get(0), arrivals.get(arrivals.size() - 1)))
                    .as("30 requests at 5/s are spread over 29 intervals of 200 ms (5.8 s), at least 5 s")
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(5));
            for (int i = 10; i < arrivals.size(); i++) {
                assertThat(Duration.between(arrivals.get(i - 10), arrivals.get(i)))
                        .as("no burst: 10 requests take about 2 s (arrival %d)", i)
                        .isGreaterThanOrEqualTo(Duration.ofMillis(1_400));
            }
            assertThat(got.stream().map(r -> r.header("webhook-id")).distinct().count())
                    .as("none lost, none twice").isEqualTo(30).isEqualTo(got.size());
            Instant freeLast = receiver.requests().stream().filter(r -> free.equals(r.header("X-Webhook-Subscription")))
                    .map(Receiver.Request::at).max(Instant::compareTo).orElseThrow();
            assertThat(freeLast).as("the other subscription at the same endpoint was not held back: it was done"
                    + " before the limited one had 20 of its 30").isBefore(arrivals.get(19));
        }
    }

    @Test
    void ed25519SubscriptionsAreSignedV1aAndVerifyFromThePublicKeyAlone(KafkaBroker kafka, TestScope scope)
            throws Exception {
        dev.posthorn.signature.Ed25519Keys.Pair current = dev.posthorn.signature.Ed25519Keys.generate();
        dev.posthorn.signature.Ed25519Keys.Pair old = dev.posthorn.signature.Ed25519Keys.generate();
        String secret = dev.posthorn.signature.WebhookSecrets.generate();
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 3);
             Receiver receiver = Receiver.start(Receiver.OK, secret)) {
            String only = posthorn.subscription("key.*", receiver.url()).secret(secret)
                    .signing("ed25519", current.signingKey(), null).put();
            String both = posthorn.subscription("key.*", receiver.url().resolve("/both")).secret(secret)
                    .previousSecret(secret, Instant.now().plus(Duration.ofHours(1)))
                    .signing("both", current.signingKey(), old.signingKey()).put();
            posthorn.event("key.made").key("k1").payload("{\"n\":1}").send();
            posthorn.start(posthorn.config().build());

            Await.until(Duration.ofSeconds(60), "both deliveries", () -> receiver.count() >= 2);
            for (Receiver.Request r : receiver.requests()) {
                boolean hmac = both.equals(r.header("X-Webhook-Subscription"));
                assertThat(r.header("X-Webhook-Subscription")).isIn(only, both);
                String[] entries = r.header("webhook-signature").split(" ");
                assertThat(entries).filteredOn(e -> e.startsWith("v1a,")).hasSize(hmac ? 2 : 1);
                assertThat(entries).filteredOn(e -> e.startsWith("v1,")).hasSize(hmac ? 1 : 0);
                assertThat(r.header("X-Signature") != null).as("X-Signature only with an HMAC secret").isEqualTo(hmac);
                for (dev.posthorn.signature.Ed25519Keys.Pair pair : hmac ? List.of(current, old) : List.of(current)) {
                    assertThat(dev.posthorn.signature.WebhookVerifier.builder().publicKey(pair.publicKey()).build()
                            .verify(r::header, r.body())).isInstanceOf(dev.posthorn.signature.VerificationResult.Verified.class);
                }
            }
        }
    }

    private static long count(Receiver receiver, String subscriptionId) {
        return receiver.requests().stream().filter(r -> subscriptionId.equals(r.header("X-Webhook-Subscription"))).count();
    }
}
