package dev.posthorn.delivery.it;

import static dev.posthorn.delivery.it.PosthornFixture.header;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.posthorn.delivery.DeliveryHeaders;
import dev.posthorn.delivery.DeliveryListener;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

@PosthornIntegrationTest
class GoneEndpointTest {

    @Test
    void aGoneEndpointIsDisabledAtOnceAndTheRelayIsAskedToRecordIt(KafkaBroker kafka, TestScope scope) throws Exception {
        List<String> disabled = new CopyOnWriteArrayList<>();
        DeliveryListener listener = new DeliveryListener() {
            @Override
            public void disabled(String subscriptionId, String reason) {
                disabled.add(subscriptionId + ":" + reason);
            }
        };
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 2);
             Receiver healthy = Receiver.start(Receiver.OK, "s");
             Receiver gone = Receiver.start((id, n) -> Receiver.Answer.of(410), "s")) {
            posthorn.subscription("order.*", healthy.url()).secret("s").put();
            String goneId = posthorn.subscription("order.*", gone.url()).secret("s").put();
            posthorn.start(posthorn.config().listener(listener).build());

            PosthornFixture.SentEvent first = posthorn.event("order.placed").key("o-1").send();
            List<ConsumerRecord<byte[], byte[]>> control = posthorn.read(posthorn.topics.control(), Duration.ofSeconds(30),
                    records -> !records.isEmpty());
            assertThat(control).hasSize(1);
            assertThat(new String(control.get(0).key(), StandardCharsets.UTF_8)).isEqualTo(goneId);
            JsonNode value = new ObjectMapper().readTree(control.get(0).value());
            assertThat(value.fieldNames()).toIterable().containsExactly("action", "subscription_id", "reason", "at");
            assertThat(value.get("action").asText()).isEqualTo("disable");
            assertThat(value.get("subscription_id").asText()).isEqualTo(goneId);
            assertThat(value.get("reason").asText()).isEqualTo("endpoint answered 410 Gone");
            assertThat(Instant.parse(value.get("at").asText())).isBeforeOrEqualTo(Instant.now());
            assertThat(disabled).containsExactly(goneId + ":endpoint answered 410 Gone");

            // Later events: none reaches the gone endpoint (a disabled subscription no longer matches);
            // the event that got the 410 is on the DLQ so that it can be replayed if the endpoint returns.
            for (int i = 2; i <= 4; i++) {
                posthorn.event("order.placed").key("o-" + i).send();
            }
            Await.until(Duration.ofSeconds(30), "healthy endpoint got all four", () -> healthy.count() == 4);
            List<ConsumerRecord<byte[], byte[]>> dlq = posthorn.read(posthorn.topics.deadLetters(), Duration.ofSeconds(30),
                    records -> !records.isEmpty());
            assertThat(gone.count()).isEqualTo(1);
            assertThat(gone.requests().get(0).eventId()).isEqualTo(first.id());
            assertThat(dlq).hasSize(1);
            assertThat(header(dlq.get(0), DeliveryHeaders.REASON)).isEqualTo("endpoint answered 410 Gone");
            assertThat(header(dlq.get(0), DeliveryHeaders.LAST_STATUS)).isEqualTo("410");
            assertThat(header(dlq.get(0), DeliveryHeaders.SUBSCRIPTION_ID)).isEqualTo(goneId);
            assertThat(header(dlq.get(0), DeliveryHeaders.EVENT_ID)).isEqualTo(first.id());
            // One disable for the relay to record (the dead letter is announced on the same topic).
            List<ConsumerRecord<byte[], byte[]>> controlRecords = posthorn.read(posthorn.topics.control(), Duration.ofSeconds(10),
                    records -> records.size() >= 2);
            assertThat(controlRecords).filteredOn(r -> new String(r.value(), java.nio.charset.StandardCharsets.UTF_8)
                    .contains("\"action\":\"disable\"")).hasSize(1);
            assertThat(controlRecords).filteredOn(r -> new String(r.value(), java.nio.charset.StandardCharsets.UTF_8)
                    .contains("\"action\":\"dead_lettered\"")).hasSize(1);
        }
    }
}
