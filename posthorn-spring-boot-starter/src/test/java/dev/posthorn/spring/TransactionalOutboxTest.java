package dev.posthorn.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.posthorn.relay.RelayConfig;
import dev.posthorn.relay.RelayService;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PostgresServer;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Scope;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.IllegalTransactionStateException;
import org.springframework.transaction.annotation.EnableTransactionManagement;

/**
 * A real Spring Boot context over the embedded Postgres: the auto-configured {@link TransactionalOutbox}
 * joins {@code @Transactional} methods, and the relay (reading the WAL) brings committed events to Kafka.
 */
@PosthornIntegrationTest
class TransactionalOutboxTest {

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @EnableTransactionManagement
    static class App {
        @Bean
        OrderService orderService(JdbcTemplate jdbc, TransactionalOutbox outbox) {
            return new OrderService(jdbc, outbox);
        }
    }

    @Test
    void aCommittedTransactionsEventReachesKafkaAndARolledBackOneNever(PostgresServer postgres, KafkaBroker kafka,
            TestScope scope) throws Exception {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS " + scope.schema());
            s.execute("CREATE TABLE " + scope.schema() + ".orders (id text PRIMARY KEY, total_cents bigint NOT NULL)");
        }
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE)
                .properties(Map.of(
                        "spring.datasource.url", postgres.jdbcUrl(scope.schema()),
                        "spring.datasource.username", postgres.user(),
                        "spring.datasource.password", postgres.password(),
                        "posthorn.schema", scope.schema(),
                        "posthorn.publication", scope.publicationName(),
                        "posthorn.slot-name", scope.slotName(),
                        "posthorn.install-on-startup", "true"))
                .run();
                RelayService relay = startRelay(postgres, kafka, scope)) {
            OrderService orders = context.getBean(OrderService.class);
            JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
            String topic = scope.topicPrefix() + ".events";

            SpanContext span = SpanContext.create("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7",
                    TraceFlags.getSampled(), TraceState.getDefault());
            UUID committed;
            try (Scope ignored = Span.wrap(span).makeCurrent()) {
                committed = orders.placeOrder("ord-1", 4200);
            }

            assertThatThrownBy(() -> orders.placeOrderThenFail("ord-2")).hasMessageContaining("payment declined");
            UUID rolledBack = orders.lastEventId();
            assertThat(rolledBack).isNotNull();
            assertThat(jdbc.queryForObject("SELECT count(*) FROM orders WHERE id = 'ord-2'", Integer.class)).isZero();

            assertThatThrownBy(() -> orders.publishWithoutTransaction("ord-3"))
                    .isInstanceOf(IllegalTransactionStateException.class)
                    .hasMessageContaining("needs a Spring-managed transaction")
                    .hasMessageContaining("nothing was written");

            UUID sentinel = orders.placeOrder("ord-4", 1);
            Map<String, ConsumerRecord<byte[], byte[]>> seen = readUntil(kafka, topic, committed, sentinel);

            ConsumerRecord<byte[], byte[]> event = seen.get(committed.toString());
            assertThat(new String(event.value(), StandardCharsets.UTF_8))
                    .contains("\"payload\":{\"order_id\":\"ord-1\",\"total_cents\":4200}")
                    .contains("\"topic\":\"order.placed\"");
            assertThat(new String(event.key(), StandardCharsets.UTF_8)).isEqualTo("ord-1");
            assertThat(header(event, "traceparent"))
                    .isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
            assertThat(header(seen.get(sentinel.toString()), "traceparent")).as("no trace, no traceparent").isNull();
            assertThat(seen).as("the rolled-back event never reaches Kafka").doesNotContainKey(rolledBack.toString());
            assertThat(seen.values()).extracting(r -> header(r, "posthorn.topic")).doesNotContain("order.untransacted");
            assertThat(jdbc.queryForObject("SELECT count(*) FROM orders", Integer.class)).isEqualTo(2);
        }
    }

    private static RelayService startRelay(PostgresServer postgres, KafkaBroker kafka, TestScope scope)
            throws InterruptedException {
        RelayService relay = new RelayService(RelayConfig.builder()
                .host(postgres.host()).port(postgres.port()).database(postgres.database())
                .user(postgres.user()).password(postgres.password())
                .schema(scope.schema()).slotName(scope.slotName()).publicationName(scope.publicationName())
                .kafkaBootstrap(kafka.bootstrapServers()).topicPrefix(scope.topicPrefix())
                .eventsPartitions(1)
                .offsetFlushInterval(Duration.ofSeconds(1))
                .build());
        relay.start();
        if (!relay.awaitStreaming(Duration.ofSeconds(90))) {
            relay.close();
            throw new AssertionError("relay not streaming after 90 s: " + relay.state());
        }
        return relay;
    }

    /** Every record on the topic up to and including both wanted events, by event id. */
    private static Map<String, ConsumerRecord<byte[], byte[]>> readUntil(KafkaBroker kafka, String topic, UUID... wanted) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Map<String, ConsumerRecord<byte[], byte[]>> seen = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            Await.until(Duration.ofSeconds(90), "the events topic " + topic, () -> consumer.listTopics().containsKey(topic));
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Await.until(Duration.ofSeconds(90), "events " + List.of(wanted) + " on " + topic, () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> seen.put(header(r, "posthorn.event_id"), r));
                return List.of(wanted).stream().allMatch(id -> seen.containsKey(id.toString()));
            });
        }
        return seen;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
