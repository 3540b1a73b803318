package dev.posthorn.delivery.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopicPatternTest {

    @Test
    void exactPrefixAndEverything() {
        assertThat(TopicPattern.matches("invoice.created", "invoice.created")).isTrue();
        assertThat(TopicPattern.matches("invoice.created", "invoice.created.v2")).isFalse();
        assertThat(TopicPattern.matches("invoice.*", "invoice.created")).isTrue();
        assertThat(TopicPattern.matches("invoice.*", "invoice.line.added")).isTrue();
        assertThat(TopicPattern.matches("invoice.*", "invoice")).isFalse();
        assertThat(TopicPattern.matches("invoice.*", "invoices.created")).isFalse();
        assertThat(TopicPattern.matches("*", "anything.at.all")).isTrue();
    }
}
