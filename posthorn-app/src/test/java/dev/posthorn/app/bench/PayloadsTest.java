package dev.posthorn.app.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.signature.CanonicalJson;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PayloadsTest {

    @Test
    void payloadsAreOneKibibyteOfCanonicalJson() {
        for (long sequence : new long[] {0, 42, 999_999_999_999L}) {
            String payload = Payloads.payload(sequence);

            assertThat(payload.getBytes(StandardCharsets.UTF_8)).hasSize(Payloads.PAYLOAD_BYTES);
            assertThat(CanonicalJson.canonicalize(payload)).isEqualTo(payload);
        }
        assertThat(Payloads.payload(42)).contains("\"sequence\":\"000000000042\"");
    }

    @Test
    void theEnvelopeIsTheContractedCanonicalBody() {
        byte[] body = Payloads.envelope(Instant.parse("2026-05-01T10:00:00Z"), "bench.latency.event", "{\"b\": 1, \"a\": [true]}", 1);

        assertThat(new String(body, StandardCharsets.US_ASCII)).isEqualTo(
                "{\"created_at\":\"2026-05-01T10:00:00Z\",\"payload\":{\"a\":[true],\"b\":1},\"topic\":\"bench.latency.event\",\"version\":1}");
    }
}
