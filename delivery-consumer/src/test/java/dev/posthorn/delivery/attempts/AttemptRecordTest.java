package dev.posthorn.delivery.attempts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AttemptRecordTest {

    @Test
    void aRecordReadsBackAsWrittenWithItsNullsAndEscapes() throws Exception {
        AttemptRecord failed = new AttemptRecord("01890a5d-ac96-774b-bcce-b302099a8057", "sub-1", "https://h.example/x?a=1",
                "orders.created", 3, Instant.parse("2026-12-02T04:20:00.123456Z"), 0, AttemptOutcome.values()[0], null,
                "ConnectException: \"refused\"\n", null, true, 5, -1);
        AttemptRecord answered = new AttemptRecord("01890a5d-ac96-774b-bcce-b302099a8058", "sub-2", null, null, 1,
                Instant.EPOCH, 12, AttemptOutcome.values()[1], 503, "HTTP 503: busy", "{\"é\":1}", false, 0, 42);

        for (AttemptRecord record : new AttemptRecord[] {failed, answered}) {
            byte[] json = record.toJson();
            assertThat(AttemptRecord.fromJson(json)).isEqualTo(record);
            assertThat(new ObjectMapper().readTree(json).size()).isEqualTo(14);
        }
        assertThat(new String(failed.toJson(), StandardCharsets.UTF_8)).contains("\"status\":null", "\"response\":null");
    }
}
