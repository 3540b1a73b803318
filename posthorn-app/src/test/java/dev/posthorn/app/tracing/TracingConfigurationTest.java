package dev.posthorn.app.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.delivery.AttemptObserver;
import dev.posthorn.delivery.AttemptStart;
import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Tracing is configured only by OTEL_* (or otel.* system properties), and is off unless an exporter is set. */
class TracingConfigurationTest {

    @Test
    void offUnlessATracesExporterIsConfiguredAndThenTheEventsTraceparentIsSentAsItIs() throws Exception {
        assertThat(System.getenv("OTEL_TRACES_EXPORTER")).as("this test needs OTEL_TRACES_EXPORTER unset").isNull();
        try (Tracing off = Tracing.fromEnvironment("posthorn-test")) {
            assertThat(off.enabled()).isFalse();
            AttemptObserver observer = off.attemptStarting(new AttemptStart("e1", "order.placed", "p.events", 0, 7,
                    Optional.of("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), "s1",
                    URI.create("http://127.0.0.1:9/hook"), 1));
            assertThat(observer.traceparent()).isEmpty();
        }
    }

    @Test
    void anExporterSetByTheStandardPropertyTurnsTheSdkOn() throws Exception {
        System.setProperty("otel.traces.exporter", "otlp");
        System.setProperty("otel.exporter.otlp.endpoint", "http://127.0.0.1:1");
        System.setProperty("otel.exporter.otlp.timeout", "200"); // the export on close fails fast
        try (Tracing on = Tracing.fromEnvironment("posthorn-test")) {
            assertThat(on.enabled()).isTrue();
            AttemptObserver observer = on.attemptStarting(new AttemptStart("e1", "order.placed", "p.events", 0, 7,
                    Optional.of("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), "s1",
                    URI.create("http://127.0.0.1:9/hook"), 1));
            assertThat(observer.traceparent()).hasValueSatisfying(tp -> assertThat(tp)
                    .matches("00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01")
                    .doesNotContain("00f067aa0ba902b7"));
            observer.responded(204);
        } finally {
            System.clearProperty("otel.traces.exporter");
            System.clearProperty("otel.exporter.otlp.endpoint");
            System.clearProperty("otel.exporter.otlp.timeout");
        }
    }
}
