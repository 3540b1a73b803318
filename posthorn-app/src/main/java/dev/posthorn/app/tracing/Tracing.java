package dev.posthorn.app.tracing;

import dev.posthorn.delivery.AttemptObserver;
import dev.posthorn.delivery.AttemptStart;
import dev.posthorn.relay.RelayedEvent;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * OpenTelemetry spans for the relay and each delivery attempt, parented on the event's
 * {@code traceparent}: a PRODUCER span {@code publish <prefix>.events} per relayed event, and per
 * attempt a CONSUMER span {@code process <prefix>.events} with a CLIENT span {@code POST} under it,
 * whose context is the {@code traceparent} the subscriber receives.
 *
 * <p>Configured only by the standard {@code OTEL_*} variables (SDK autoconfigure); the exporter is
 * {@code none} unless {@code OTEL_TRACES_EXPORTER} says otherwise. One owner closes it (flushing).
 */
public final class Tracing implements AutoCloseable {

    private static final String INSTRUMENTATION = "dev.posthorn";
    private static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    private static final AttributeKey<String> MESSAGING_OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
    private static final AttributeKey<String> MESSAGING_OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
    private static final AttributeKey<String> MESSAGING_DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    private static final AttributeKey<String> MESSAGING_PARTITION = AttributeKey.stringKey("messaging.destination.partition.id");
    private static final AttributeKey<Long> MESSAGING_OFFSET = AttributeKey.longKey("messaging.kafka.offset");
    private static final AttributeKey<String> MESSAGING_MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
    private static final AttributeKey<String> EVENT_TOPIC = AttributeKey.stringKey("posthorn.event.topic");
    private static final AttributeKey<String> SUBSCRIPTION = AttributeKey.stringKey("posthorn.subscription.id");
    private static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
    private static final AttributeKey<Long> HTTP_RESEND = AttributeKey.longKey("http.request.resend_count");
    private static final AttributeKey<String> URL_FULL = AttributeKey.stringKey("url.full");
    private static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    private static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    private static final TextMapGetter<Map<String, String>> MAP_GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    /** Does nothing: no spans, and the subscriber receives the event's own traceparent. */
    public static final Tracing OFF = new Tracing(null, null);

    private final Tracer tracer;
    private final AutoCloseable owned;

    private Tracing(Tracer tracer, AutoCloseable owned) {
        this.tracer = tracer;
        this.owned = owned;
    }

    /**
     * From the standard {@code OTEL_*} environment variables and {@code otel.*} system properties,
     * through the SDK's autoconfigure. Off (no SDK at all) unless a traces exporter is configured.
     */
    public static Tracing fromEnvironment(String serviceName) {
        String exporter = Optional.ofNullable(System.getProperty("otel.traces.exporter"))
                .orElse(System.getenv("OTEL_TRACES_EXPORTER"));
        if (exporter == null || exporter.isBlank() || exporter.strip().equals("none")
                || "true".equalsIgnoreCase(System.getenv("OTEL_SDK_DISABLED"))) {
            return OFF;
        }
        OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> Map.of(
                        "otel.service.name", serviceName,
                        // OTLP over HTTP with the JDK's client (the gRPC sender is not bundled).
                        "otel.exporter.otlp.protocol", "http/protobuf",
                        "otel.metrics.exporter", "none",
                        "otel.logs.exporter", "none"))
                .build()
                .getOpenTelemetrySdk();
        return new Tracing(sdk.getTracer(INSTRUMENTATION), sdk);
    }

    /** Spans through {@code openTelemetry} (tests: an SDK with an in-memory exporter); the caller closes it. */
    public static Tracing of(OpenTelemetry openTelemetry) {
        return new Tracing(openTelemetry.getTracer(INSTRUMENTATION), null);
    }

    /** The relay published {@code event}: one PRODUCER span from hand-over to acknowledgement. */
    public void eventRelayed(RelayedEvent event) {
        if (tracer == null) {
            return;
        }
        tracer.spanBuilder("publish " + event.kafkaTopic())
                .setSpanKind(SpanKind.PRODUCER)
                .setParent(parent(event.traceparent()))
                .setStartTimestamp(event.sent())
                .setAttribute(MESSAGING_SYSTEM, "kafka")
                .setAttribute(MESSAGING_OPERATION_TYPE, "publish")
                .setAttribute(MESSAGING_OPERATION_NAME, "publish")
                .setAttribute(MESSAGING_DESTINATION, event.kafkaTopic())
                .setAttribute(MESSAGING_PARTITION, Integer.toString(event.partition()))
                .setAttribute(MESSAGING_OFFSET, event.offset())
                .setAttribute(MESSAGING_MESSAGE_ID, event.eventId())
                .setAttribute(EVENT_TOPIC, event.topic())
                .startSpan()
                .end(event.acknowledged());
    }

    /** One delivery attempt: a CONSUMER span for the event and a CLIENT span for the request under it. */
    public AttemptObserver attemptStarting(AttemptStart attempt) {
        if (tracer == null) {
            return AttemptObserver.NONE;
        }
        Span process = tracer.spanBuilder("process " + attempt.eventsTopic())
                .setSpanKind(SpanKind.CONSUMER)
                .setParent(parent(attempt.traceparent()))
                .setAttribute(MESSAGING_SYSTEM, "kafka")
                .setAttribute(MESSAGING_OPERATION_TYPE, "process")
                .setAttribute(MESSAGING_OPERATION_NAME, "process")
                .setAttribute(MESSAGING_DESTINATION, attempt.eventsTopic())
                .setAttribute(MESSAGING_PARTITION, Integer.toString(attempt.partition()))
                .setAttribute(MESSAGING_OFFSET, attempt.offset())
                .setAttribute(MESSAGING_MESSAGE_ID, attempt.eventId())
                .setAttribute(EVENT_TOPIC, attempt.topic())
                .setAttribute(SUBSCRIPTION, attempt.subscriptionId())
                .startSpan();
        URI url = attempt.url();
        var request = tracer.spanBuilder("POST")
                .setSpanKind(SpanKind.CLIENT)
                .setParent(Context.root().with(process))
                .setAttribute(HTTP_METHOD, "POST")
                .setAttribute(URL_FULL, withoutQuery(url))
                .setAttribute(SERVER_ADDRESS, String.valueOf(url.getHost()))
                .setAttribute(SERVER_PORT, (long) port(url))
                .setAttribute(SUBSCRIPTION, attempt.subscriptionId());
        if (attempt.attempt() > 1) {
            request.setAttribute(HTTP_RESEND, attempt.attempt() - 1L);
        }
        Span client = request.startSpan();
        Map<String, String> carrier = new HashMap<>();
        W3CTraceContextPropagator.getInstance().inject(Context.root().with(client), carrier, Map::put);
        Optional<String> traceparent = Optional.ofNullable(carrier.get("traceparent"));
        return new AttemptObserver() {
            @Override
            public Optional<String> traceparent() {
                return traceparent;
            }

            @Override
            public void responded(int status) {
                client.setAttribute(HTTP_STATUS, (long) status);
                if (status >= 400) {
                    client.setAttribute(ERROR_TYPE, Integer.toString(status));
                    client.setStatus(StatusCode.ERROR);
                    process.setStatus(StatusCode.ERROR);
                }
                client.end();
                process.end();
            }

            @Override
            public void failed(Throwable error) {
                client.setAttribute(ERROR_TYPE, error.getClass().getName());
                client.setStatus(StatusCode.ERROR, error.getClass().getSimpleName());
                process.setStatus(StatusCode.ERROR);
                client.end();
                process.end();
            }
        };
    }

    private static Context parent(Optional<String> traceparent) {
        return traceparent.map(tp -> W3CTraceContextPropagator.getInstance()
                .extract(Context.root(), Map.of("traceparent", tp), MAP_GETTER)).orElse(Context.root());
    }

    /** The URL without query and user info: a subscriber's URL may carry a token there. */
    private static String withoutQuery(URI url) {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() >= 0 ? ":" + url.getPort() : "")
                + Optional.ofNullable(url.getRawPath()).orElse("");
    }

    private static int port(URI url) {
        return url.getPort() >= 0 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
    }

    /** Whether spans are made at all. */
    public boolean enabled() {
        return tracer != null;
    }

    @Override
    public void close() throws Exception {
        if (owned != null) {
            owned.close();
        }
    }
}
