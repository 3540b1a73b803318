package dev.posthorn.app.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.posthorn.app.config.ConfigReader;
import dev.posthorn.app.config.Wiring;
import dev.posthorn.app.metrics.DeliveryMetrics;
import dev.posthorn.app.metrics.RelayMetrics;
import dev.posthorn.delivery.DeliveryService;
import dev.posthorn.outbox.Outbox;
import dev.posthorn.outbox.OutboxEvent;
import dev.posthorn.relay.RelayService;
import dev.posthorn.signature.SecretCipher;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PostgresServer;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/**
 * An event published with a traceparent leaves spans in that trace, through the real relay, Kafka and
 * delivery: the relay's PRODUCER span, the attempt's CONSUMER span and the CLIENT span of the POST,
 * whose context is the traceparent the subscriber receives.
 */
@PosthornIntegrationTest
class TracingPipelineTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT_SPAN = "00f067aa0ba902b7";

    @Test
    void relayAndAttemptSpansJoinTheEventsTraceAndTheReceiverSeesTheAttemptSpan(PostgresServer postgres,
            KafkaBroker kafka, TestScope scope) throws Exception {
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        ConcurrentLinkedQueue<String> received = new ConcurrentLinkedQueue<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            received.add(String.valueOf(exchange.getRequestHeaders().getFirst("traceparent")));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        Clock clock = Clock.systemUTC();
        ConfigReader config = ConfigReader.fromEnvironment(Map.of(
                "POSTHORN_DATABASE_URL", postgres.jdbcUrl(),
                "POSTHORN_DATABASE_USER", postgres.user(),
                "POSTHORN_DATABASE_PASSWORD", postgres.password(),
                "POSTHORN_DATABASE_SCHEMA", scope.schema(),
                "POSTHORN_RELAY_SLOT", scope.slotName(),
                "POSTHORN_RELAY_PUBLICATION", scope.publicationName(),
                "POSTHORN_KAFKA_BOOTSTRAP", kafka.bootstrapServers(),
                "POSTHORN_TOPIC_PREFIX", scope.topicPrefix(),
                "POSTHORN_SECRET_KEY", SecretCipher.generateKey(),
                "POSTHORN_EVENTS_PARTITIONS", "1"));
        try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()).build()) {
            Tracing tracing = Tracing.of(sdk);
            Outbox outbox = Wiring.outbox(config, true, clock);
            var dataSource = Wiring.dataSource(config);
            try (Connection c = dataSource.getConnection()) {
                outbox.install(c);
            }
            outbox.subscriptions(dataSource).add("order.*", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook",
                    Optional.empty(), false);
            var registry = new SimpleMeterRegistry();
            try (RelayService relay = new RelayService(Wiring.relay(config, new RelayMetrics(registry, tracing), clock));
                    DeliveryService delivery = new DeliveryService(
                            Wiring.delivery(config, new DeliveryMetrics(registry, false, tracing), clock, true))) {
                relay.start();
                delivery.start();
                assertThat(relay.awaitStreaming(Duration.ofSeconds(90))).as("relay streaming").isTrue();
                assertThat(delivery.awaitRunning(Duration.ofSeconds(60))).as("delivery running").isTrue();

                String eventId;
                try (Connection c = dataSource.getConnection()) {
                    c.setAutoCommit(false);
                    eventId = outbox.publish(c, OutboxEvent.of("order.placed", "ord-1", "{\"order\":1}")
                            .withTraceparent("00-" + TRACE_ID + "-" + PARENT_SPAN + "-01")).toString();
                    c.commit();
                }

                Await.until(Duration.ofSeconds(90), "the receiver to get the event", () -> !received.isEmpty());
                List<SpanData> spans = Await.value(Duration.ofSeconds(30), "publish, process and POST spans", () -> {
                    List<SpanData> inTrace = exporter.getFinishedSpanItems().stream()
                            .filter(s -> s.getTraceId().equals(TRACE_ID)).toList();
                    return inTrace.size() >= 3 ? Optional.of(inTrace) : Optional.empty();
                });
                spans.stream().sorted(Comparator.comparing(SpanData::getStartEpochNanos)).forEach(s -> System.out.printf(
                        "SPAN %s kind=%s trace=%s span=%s parent=%s%n", s.getName(), s.getKind(), s.getTraceId(),
                        s.getSpanId(), s.getParentSpanId()));

                SpanData publish = only(spans, SpanKind.PRODUCER);
                SpanData process = only(spans, SpanKind.CONSUMER);
                SpanData post = only(spans, SpanKind.CLIENT);
                assertThat(publish.getName()).isEqualTo("publish " + scope.topicPrefix() + ".events");
                assertThat(publish.getParentSpanId()).isEqualTo(PARENT_SPAN);
                assertThat(publish.getAttributes().asMap().toString()).contains("messaging.message.id=" + eventId)
                        .contains("messaging.system=kafka");
                assertThat(process.getName()).isEqualTo("process " + scope.topicPrefix() + ".events");
                assertThat(process.getParentSpanId()).isEqualTo(PARENT_SPAN);
                assertThat(post.getName()).isEqualTo("POST");
                assertThat(post.getParentSpanId()).isEqualTo(process.getSpanId());
                assertThat(post.getAttributes().asMap().toString()).contains("http.response.status_code=204")
                        .contains("http.request.method=POST");
                assertThat(received.peek()).as("the traceparent the subscriber received")
                        .isEqualTo("00-" + TRACE_ID + "-" + post.getSpanId() + "-01");
            }
        } finally {
            receiver.stop(0);
        }
    }

    private static SpanData only(List<SpanData> spans, SpanKind kind) {
        List<SpanData> ofKind = spans.stream().filter(s -> s.getKind() == kind).toList();
        assertThat(ofKind).as("%s spans", kind).hasSize(1);
        return ofKind.get(0);
    }
}
