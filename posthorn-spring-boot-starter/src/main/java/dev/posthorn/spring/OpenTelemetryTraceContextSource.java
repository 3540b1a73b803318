package dev.posthorn.spring;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.util.Optional;

/** The current OpenTelemetry span as a traceparent (Micrometer Tracing's OpenTelemetry bridge sets it too). */
final class OpenTelemetryTraceContextSource implements TraceContextSource {

    @Override
    public Optional<String> currentTraceparent() {
        SpanContext context = Span.current().getSpanContext();
        if (!context.isValid()) {
            return Optional.empty();
        }
        return Optional.of("00-" + context.getTraceId() + "-" + context.getSpanId() + "-"
                + context.getTraceFlags().asHex());
    }
}
