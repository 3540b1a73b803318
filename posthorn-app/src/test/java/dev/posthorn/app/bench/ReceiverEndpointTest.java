package dev.posthorn.app.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.signature.WebhookSecrets;
import dev.posthorn.signature.WebhookSigner;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ReceiverEndpointTest {

    private static final String SECRET = WebhookSecrets.generate();
    private static final byte[] BODY = "{\"payload\":{},\"topic\":\"bench.x.event\"}".getBytes(StandardCharsets.US_ASCII);

    private final List<String> firstReceipts = new ArrayList<>();
    private final ReceiverEndpoint endpoint = ReceiverEndpoint.accepting("x", SECRET,
            (eventId, receivedNanos) -> firstReceipts.add(eventId + "@" + receivedNanos));

    @Test
    void recordsTheFirstReceiptOfEachEventAndCountsTheRest() throws InterruptedException {
        assertThat(endpoint.accept(signed("e-1", "bench.x.event", SECRET), BODY, 100)).isEqualTo(ReceiverEndpoint.Answer.FIRST_RECEIPT);
        assertThat(endpoint.accept(signed("e-2", "bench.x.event", SECRET), BODY, 300)).isEqualTo(ReceiverEndpoint.Answer.FIRST_RECEIPT);
        assertThat(endpoint.accept(signed("e-1", "bench.x.event", SECRET), BODY, 200)).isEqualTo(ReceiverEndpoint.Answer.DUPLICATE);

        assertThat(endpoint.distinctEvents()).isEqualTo(2);
        assertThat(endpoint.duplicates()).isEqualTo(1);
        assertThat(endpoint.lastReceiptNanos()).isEqualTo(300);
        assertThat(endpoint.received("e-1")).isTrue();
        assertThat(firstReceipts).containsExactly("e-1@100", "e-2@300");
        assertThat(endpoint.awaitDistinct(2, System.nanoTime())).isTrue();
        assertThat(endpoint.awaitDistinct(3, System.nanoTime())).isFalse();
    }

    @Test
    void rejectsAnotherSecretsSignatureWithoutCountingIt() {
        ReceiverEndpoint.Answer answer = endpoint.accept(signed("e-1", "bench.x.event", WebhookSecrets.generate()), BODY, 100);

        assertThat(answer).isEqualTo(ReceiverEndpoint.Answer.BAD_SIGNATURE);
        assertThat(answer.status).isEqualTo(401);
        assertThat(endpoint.badSignatures()).isEqualTo(1);
        assertThat(endpoint.distinctEvents()).isZero();
        assertThat(firstReceipts).isEmpty();
    }

    @Test
    void probesProveRoutingWithoutBeingCounted() throws InterruptedException {
        Map<String, List<String>> probe = signed("p-1", "bench.x.probe", SECRET);

        assertThat(ReceiverEndpoint.isProbe(probe)).isTrue();
        assertThat(ReceiverEndpoint.isProbe(signed("e-1", "bench.x.event", SECRET))).isFalse();
        assertThat(endpoint.acceptProbe(probe, BODY)).isEqualTo(ReceiverEndpoint.Answer.FIRST_RECEIPT);
        assertThat(endpoint.awaitProbe(java.time.Duration.ZERO)).isTrue();
        assertThat(endpoint.distinctEvents()).isZero();
    }

    private static Map<String, List<String>> signed(String eventId, String topic, String secret) {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        WebhookSigner.attemptHeaders()
                .eventId(eventId)
                .topic(topic)
                .attempt(1)
                .payloadVersion(1)
                .subscriptionId("sub-1")
                .timestamp(Instant.now().getEpochSecond())
                .body(BODY)
                .currentSecret(secret)
                .userAgentVersion("test")
                .build()
                .forEach((name, value) -> headers.put(name, List.of(value)));
        return headers;
    }
}
