package dev.posthorn.app.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BenchSettingsTest {

    @Test
    void aQuickRunIsSmallerThanTheDefaultOne() {
        BenchSettings quick = BenchSettings.builder(true).build();
        BenchSettings full = BenchSettings.builder(false).build();

        assertThat(quick.latencyDuration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(full.latencyDuration()).isEqualTo(Duration.ofSeconds(30));
        assertThat(quick.events()).isLessThan(full.events());
        assertThat(quick.rate()).isEqualTo(full.rate()).isEqualTo(1_000);
    }

    @Test
    void givenOptionsOverrideTheDefaults() {
        BenchSettings settings = BenchSettings.builder(true).events(123).rate(250).concurrency(4).build();

        assertThat(settings.events()).isEqualTo(123);
        assertThat(settings.rate()).isEqualTo(250);
        assertThat(settings.concurrency()).isEqualTo(4);
    }

    @Test
    void namesEveryBadOptionAtOnce() {
        assertThatThrownBy(() -> BenchSettings.builder(false).events(0).rate(-1).isolationSubscriptions(1)
                        .postgresUrl("postgres://x").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--events")
                .hasMessageContaining("--rate")
                .hasMessageContaining("--isolation-subscriptions")
                .hasMessageContaining("--postgres-url");
    }
}
