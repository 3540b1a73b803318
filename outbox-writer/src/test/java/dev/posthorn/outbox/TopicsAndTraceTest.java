package dev.posthorn.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TopicsAndTraceTest {

    @Test
    void handWrittenTopicCheckAgreesWithTheDocumentedPattern() {
        Pattern documented = Pattern.compile(Topics.EVENT_PATTERN);
        char[] alphabet = "ab09_-.Z*é ".toCharArray();
        Random random = new Random(42);
        for (int i = 0; i < 200_000; i++) {
            char[] candidate = new char[random.nextInt(8)];
            for (int j = 0; j < candidate.length; j++) {
                candidate[j] = alphabet[random.nextInt(alphabet.length)];
            }
            String topic = new String(candidate);
            assertThat(Topics.isEventTopic(topic)).as("'%s'", topic).isEqualTo(documented.matcher(topic).matches());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"invoice", "invoice.created", "a.b.c.d", "0.9", "billing-v2.invoice_created", "*", "invoice.*", "a.b.*"})
    void acceptsSubscriptionTopicForms(String topic) {
        assertThat(Topics.subscriptionTopicProblem(topic)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "**", ".*", "invoice*", "invoice.*.created", "*.created", "Invoice.*", "invoice.**", "invoice.*.*"})
    void refusesOtherSubscriptionTopics(String topic) {
        assertThat(Topics.subscriptionTopicProblem(topic)).isPresent();
    }

    @Test
    void aggregateTypeIsTheFirstSegment() {
        assertThat(Topics.aggregateType("invoice.created.v2")).isEqualTo("invoice");
        assertThat(Topics.aggregateType("invoice")).isEqualTo("invoice");
    }

    @Test
    void validTraceparentPasses() {
        assertThat(Traceparents.problem("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")).isEmpty();
    }

    @Test
    void eventIdsAreVersion7VariantRfcAndOrderedByMillisecond() {
        UUID earlier = EventIds.next(1_700_000_000_000L);
        UUID later = EventIds.next(1_700_000_000_001L);
        assertThat(earlier.version()).isEqualTo(7);
        assertThat(earlier.variant()).isEqualTo(2);
        assertThat(earlier.getMostSignificantBits() >>> 16).isEqualTo(1_700_000_000_000L);
        assertThat(Long.compareUnsigned(earlier.getMostSignificantBits(), later.getMostSignificantBits())).isNegative();
        assertThat(EventIds.next(1L)).isNotEqualTo(EventIds.next(1L));
    }
}
