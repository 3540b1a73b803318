package dev.posthorn.delivery.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

@PosthornIntegrationTest
class StrictOrderTest {

    @Test
    void aFailingHeadBlocksOnlyItsOwnKey(KafkaBroker kafka, TestScope scope) throws Exception {
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 1)) {
            String[] firstOfK = new String[1];
            try (Receiver receiver = Receiver.start((id, n) -> Receiver.Answer.of(id.equals(firstOfK[0]) && n == 1 ? 503 : 200), "s")) {
                posthorn.subscription("account.*", receiver.url()).secret("s").strictOrder().put();
                posthorn.start(posthorn.config().build());
                firstOfK[0] = "00000000-0000-4000-8000-000000000001";
                String k1 = posthorn.event("account.changed").id(firstOfK[0]).key("K").send().id();
                String k2 = posthorn.event("account.changed").key("K").send().id();
                String l1 = posthorn.event("account.changed").key("L").send().id();
                String k3 = posthorn.event("account.changed").key("K").send().id();
                String l2 = posthorn.event("account.changed").key("L").send().id();

                Await.until(Duration.ofSeconds(30), "all delivered", () -> receiver.requests().stream()
                        .filter(r -> Set.of(k1, k2, k3, l1, l2).contains(r.eventId())).count() == 6);
                List<String> order = receiver.requests().stream().map(Receiver.Request::eventId).toList();
                // K: the failed head is retried (attempt 2) before anything behind it is sent.
                assertThat(order.stream().filter(id -> id.equals(k1) || id.equals(k2) || id.equals(k3)))
                        .containsExactly(k1, k1, k2, k3);
                assertThat(receiver.requests().stream().filter(r -> r.eventId().equals(k1)).map(Receiver.Request::attempt))
                        .containsExactly(1, 2);
                // L did not wait for K's retry.
                assertThat(order.indexOf(l1)).isLessThan(order.lastIndexOf(k1));
                assertThat(order.indexOf(l2)).isLessThan(order.lastIndexOf(k1));
            }
        }
    }
}
