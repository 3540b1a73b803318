package dev.posthorn.delivery.it;

import static dev.posthorn.delivery.it.PosthornFixture.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.DeliveryHeaders;
import dev.posthorn.delivery.guard.HostResolver;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * End to end, with loopback targets this test owns only: the guard (loopback not allowed here) must
 * refuse them before a socket is opened. The resolver hook maps test names to 127.0.0.1 and fails
 * for every other name, so nothing here can dial a non-loopback address even if the guard were broken.
 */
@PosthornIntegrationTest
class SsrfDeliveryTest {

    @Test
    void loopbackTargetsAreRefusedWithoutAConnectionAndDeadLettered(KafkaBroker kafka, TestScope scope) throws Exception {
        HostResolver testNames = host -> switch (host) {
            case "hooks.test", "redirector.test" -> new InetAddress[] {InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})};
            default -> throw new UnknownHostException("only test names resolve here: " + host);
        };
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 2);
             Tripwire v4 = new Tripwire("127.0.0.1");
             Tripwire second = new Tripwire("127.0.0.2");
             Tripwire v6 = new Tripwire("::1");
             Tripwire named = new Tripwire("127.0.0.1");
             Tripwire redirectTarget = new Tripwire("127.0.0.1");
             Receiver redirector = Receiver.start((id, n) -> new Receiver.Answer(302,
                     Map.of("Location", "http://127.0.0.1:" + redirectTarget.port() + "/stolen"), false), "s")) {
            Map<String, Tripwire> blocked = Map.of(
                    posthorn.subscription("*", URI.create("http://127.0.0.1:" + v4.port() + "/h")).secret("s").put(), v4,
                    posthorn.subscription("*", URI.create("http://127.0.0.2:" + second.port() + "/h")).secret("s").put(), second,
                    posthorn.subscription("*", URI.create("http://[::1]:" + v6.port() + "/h")).secret("s").put(), v6,
                    posthorn.subscription("*", URI.create("http://hooks.test:" + named.port() + "/h")).secret("s").put(), named);
            String redirectId = posthorn.subscription("*",
                    URI.create("http://redirector.test:" + redirector.port() + "/h")).secret("s").put();

            // The allow-list is off except for the redirector's own name, so that its 302 can be seen.
            posthorn.start(posthorn.config().allowLoopback(false).allowList(List.of("redirector.test"))
                    .hostResolver(testNames).build());
            posthorn.event("user.created").key("u-1").send();

            List<ConsumerRecord<byte[], byte[]>> dlq = posthorn.read(posthorn.topics.deadLetters(), Duration.ofSeconds(60),
                    records -> records.size() >= 5);
            Map<String, ConsumerRecord<byte[], byte[]>> bySubscription = dlq.stream()
                    .collect(Collectors.toMap(r -> header(r, DeliveryHeaders.SUBSCRIPTION_ID), r -> r));
            for (Map.Entry<String, Tripwire> target : blocked.entrySet()) {
                ConsumerRecord<byte[], byte[]> record = bySubscription.get(target.getKey());
                assertThat(record).isNotNull();
                assertThat(header(record, DeliveryHeaders.REASON)).isEqualTo("blocked destination");
                assertThat(header(record, DeliveryHeaders.LAST_ERROR)).contains("loopback address");
                assertThat(header(record, DeliveryHeaders.ATTEMPTS)).isEqualTo("0");
                assertThat(target.getValue().connections()).as("connections to %s", target.getKey()).isZero();
            }
            // A redirect is a failure and is never followed: its target never sees a connection.
            ConsumerRecord<byte[], byte[]> redirected = bySubscription.get(redirectId);
            assertThat(header(redirected, DeliveryHeaders.LAST_STATUS)).isEqualTo("302");
            assertThat(header(redirected, DeliveryHeaders.REASON)).isEqualTo("retries exhausted");
            assertThat(redirector.count()).isEqualTo(3);
            assertThat(redirectTarget.connections()).isZero();
        }
    }
}
