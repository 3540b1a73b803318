package dev.posthorn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

@PosthornIntegrationTest
class TestkitStartupTest {

    @Test
    void bringsUpLogicalPostgresAndKafka(PostgresServer postgres, KafkaBroker kafka) throws Exception {
        String walLevel;
        try (Connection c = postgres.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW wal_level")) {
            rs.next();
            walLevel = rs.getString(1);
        }
        String clusterId;
        int nodes;
        try (Admin admin = kafka.admin()) {
            var cluster = admin.describeCluster();
            clusterId = cluster.clusterId().get(30, TimeUnit.SECONDS);
            nodes = cluster.nodes().get(30, TimeUnit.SECONDS).size();
        }
        Map<String, Duration> times = Testkit.startupTimes();
        System.out.printf("TESTKIT postgres_ms=%d (wal_level = %s) kafka_ms=%d (cluster %s, %d node) total_ms=%d%n",
                times.get("postgres").toMillis(), walLevel, times.get("kafka").toMillis(), clusterId, nodes,
                times.get("postgres").plus(times.get("kafka")).toMillis());

        assertThat(walLevel).isEqualTo("logical");
        assertThat(nodes).isEqualTo(1);
        assertThat(clusterId).isNotBlank();
    }

    @Test
    void scopeGivesEachTestItsOwnSchema(TestScope scope) throws Exception {
        try (Connection c = scope.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE probe (id int)");
            try (ResultSet rs = s.executeQuery(
                    "SELECT table_schema FROM information_schema.tables WHERE table_name = 'probe'"
                            + " AND table_schema = '" + scope.schema() + "'")) {
                assertThat(rs.next()).as("probe table created in the test schema").isTrue();
            }
        }
    }

    @Test
    void brokerRoundTripsARecord(KafkaBroker kafka, TestScope scope) throws Exception {
        String topic = scope.topicPrefix() + ".probe";
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> common = Map.of("bootstrap.servers", kafka.bootstrapServers());
        try (var producer = new KafkaProducer<>(common, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "k", "hello")).get(30, TimeUnit.SECONDS);
        }
        var consumerConfig = new java.util.HashMap<String, Object>(common);
        consumerConfig.put("group.id", scope.unique("probe"));
        consumerConfig.put("auto.offset.reset", "earliest");
        try (var consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(Set.of(topic));
            String value = Await.value(Duration.ofSeconds(30), "the record to come back", () -> {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                return records.isEmpty()
                        ? java.util.Optional.empty()
                        : java.util.Optional.of(records.iterator().next().value());
            });
            assertThat(value).isEqualTo("hello");
        }
    }

    @Test
    void awaitFailsWithTheConditionNameAfterTheDeadline() {
        AssertionError error = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> Await.until(Duration.ofMillis(50), "a condition that never holds", () -> false));
        assertThat(error).hasMessageContaining("a condition that never holds");
    }
}
