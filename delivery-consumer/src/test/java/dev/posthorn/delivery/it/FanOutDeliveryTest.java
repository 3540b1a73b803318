package dev.posthorn.delivery.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.signature.VerificationResult;
import dev.posthorn.signature.WebhookSecrets;
import dev.posthorn.signature.WebhookVerifier;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

@PosthornIntegrationTest
class FanOutDeliveryTest {

    private static final int EVENTS = 5_000;

    @Test
    void everyEventReachesEveryMatchingSubscriptionExactlyOnceSignedAsSpecified(KafkaBroker kafka, TestScope scope)
            throws Exception {
        String exactSecret = WebhookSecrets.generate();
        String wildcardSecret = WebhookSecrets.generate();
        String oldWildcardSecret = "legacy-plain-secret";
        String everythingSecret = WebhookSecrets.generate();
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 6);
             Receiver exact = Receiver.start(Receiver.OK, exactSecret);
             Receiver wildcard = Receiver.start(Receiver.OK, wildcardSecret, oldWildcardSecret);
             Receiver everything = Receiver.start(Receiver.OK, everythingSecret);
             Receiver unrelated = Receiver.start(Receiver.OK, "unused")) {
            String exactId = posthorn.subscription("invoice.created", exact.url()).secret(exactSecret).put();
            String wildcardId = posthorn.subscription("invoice.*", wildcard.url()).secret(wildcardSecret)
                    .previousSecret(oldWildcardSecret, Instant.now().plus(Duration.ofDays(1))).put();
            String everythingId = posthorn.subscription("*", everything.url()).secret(everythingSecret).put();
            posthorn.subscription("order.*", unrelated.url()).put();
            posthorn.subscription("invoice.created", unrelated.url()).disabled("operator").put();

            List<PosthornFixture.SentEvent> sent = posthorn.sendEvents("invoice.created", EVENTS);
            long start = System.nanoTime();
            posthorn.start(posthorn.config().responseTimeout(Duration.ofSeconds(15)).build());
            try {
                Await.until(Duration.ofSeconds(120), "all deliveries",
                        () -> exact.count() >= EVENTS && wildcard.count() >= EVENTS && everything.count() >= EVENTS);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + ": received " + exact.count() + "/" + wildcard.count() + "/"
                        + everything.count(), e);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            List<Instant> times = new java.util.ArrayList<>();
            for (Receiver r : List.of(exact, wildcard, everything)) {
                r.requests().forEach(q -> times.add(q.at()));
            }
            double busy = Duration.between(java.util.Collections.min(times), java.util.Collections.max(times)).toNanos() / 1e9;
            System.out.printf("DELIVERY_EPS instances=1 eps=%.0f (%d events x 3 subscriptions = %d deliveries; %.1f s from "
                    + "first to last delivery, %.1f s including start-up, %.0f eps including start-up)%n",
                    EVENTS / busy, EVENTS, 3 * EVENTS, busy, seconds, EVENTS / seconds);

            Map<String, PosthornFixture.SentEvent> byId = sent.stream()
                    .collect(Collectors.toMap(PosthornFixture.SentEvent::id, Function.identity()));
            check(exact, exactId, byId);
            check(wildcard, wildcardId, byId);
            check(everything, everythingId, byId);

            // Rotation: two webhook-signature entries; the old secret alone still verifies Standard Webhooks.
            Receiver.Request one = wildcard.requests().get(0);
            assertThat(one.header("webhook-signature").split(" ")).hasSize(2).allMatch(s -> s.startsWith("v1,"));
            VerificationResult oldOnly = WebhookVerifier.builder().secret(oldWildcardSecret).build()
                    .verify(one::header, one.body());
            assertThat(oldOnly).isInstanceOf(VerificationResult.Verified.class);
            assertThat(exact.requests().get(0).header("webhook-signature").split(" ")).hasSize(1);

            // Nothing went to unmatched or disabled subscriptions.
            assertThat(unrelated.count()).isZero();
        }
    }

    private static void check(Receiver receiver, String subscriptionId, Map<String, PosthornFixture.SentEvent> sent) {
        List<Receiver.Request> requests = receiver.requests();
        assertThat(requests).hasSize(EVENTS);
        Set<String> ids = new HashSet<>();
        Map<String, Integer> failures = new HashMap<>();
        for (Receiver.Request r : requests) {
            assertThat(ids.add(r.eventId())).as("duplicate %s", r.eventId()).isTrue();
            PosthornFixture.SentEvent e = sent.get(r.eventId());
            assertThat(e).as("event %s was sent", r.eventId()).isNotNull();
            assertThat(r.body()).isEqualTo(e.value());
            if (!(r.verification() instanceof VerificationResult.Verified)) {
                failures.merge(r.verification().toString(), 1, Integer::sum);
            }
            assertThat(r.header("X-Topic")).isEqualTo("invoice.created");
            assertThat(r.header("X-Attempt")).isEqualTo("1");
            assertThat(r.header("X-Signature-Alg")).isEqualTo("hmac-sha256");
            assertThat(r.header("X-Signature-Version")).isEqualTo("v1");
            assertThat(r.header("X-Payload-Version")).isEqualTo("1");
            assertThat(r.header("X-Webhook-Subscription")).isEqualTo(subscriptionId);
            assertThat(r.header("webhook-id")).isEqualTo(e.id());
            assertThat(Long.parseLong(r.header("webhook-timestamp")))
                    .isBetween(Instant.now().getEpochSecond() - 300, Instant.now().getEpochSecond() + 1);
            assertThat(r.header("Content-Type")).isEqualTo("application/json");
            assertThat(r.header("User-Agent")).isEqualTo("Posthorn/0.1.0");
            assertThat(r.header("traceparent")).isEqualTo(e.traceparent());
        }
        assertThat(failures).as("signature verification failures").isEmpty();
        assertThat(ids).isEqualTo(sent.keySet());
    }
}
