package dev.posthorn.app.bench;

import dev.posthorn.app.ops.TopicScan;
import dev.posthorn.delivery.DeliveryHeaders;
import dev.posthorn.delivery.Topics;
import dev.posthorn.delivery.attempts.AttemptRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Where the open-loop events' latency went, read back from records the pipeline writes anyway: the
 * events record's timestamp (when the relay sent it) and the first attempt's start on the attempts
 * topic. Three stages per event: due to relayed (the application's commit, Postgres's decoding,
 * Debezium and the relay), relayed to attempt (the relay's acknowledgement, the consumer's fetch and
 * delivery's queueing) and attempt to receipt (signing, the HTTP exchange and the receiver). Kafka
 * timestamps have millisecond resolution; all clocks are this JVM's.
 */
final class LatencyStages {

    /** One stage's p50 and p99 in milliseconds over the events seen in every stage. */
    record Stage(String name, double p50Millis, double p99Millis) {}

    private LatencyStages() {}

    /**
     * @param dueMillis each event's scheduled time, wall-clock milliseconds, by event id
     * @param receivedMillis each event's first receipt, wall-clock milliseconds, by event id
     * @param from a time before the first event was relayed
     */
    static List<Stage> measure(String bootstrap, Topics topics, Map<String, Double> dueMillis,
            Map<String, Double> receivedMillis, Instant from) {
        Map<String, Long> relayed = new HashMap<>();
        TopicScan.scan(bootstrap, List.of(topics.events()), from, Duration.ofSeconds(60), (done, total) -> { },
                record -> {
                    String id = TopicScan.header(record, DeliveryHeaders.EVENT_ID);
                    if (id != null && dueMillis.containsKey(id)) {
                        relayed.putIfAbsent(id, record.timestamp());
                    }
                });
        Map<String, Instant> attempted = new HashMap<>();
        TopicScan.scan(bootstrap, List.of(topics.attempts()), from, Duration.ofSeconds(60), (done, total) -> { },
                record -> {
                    String id = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
                    if (id != null && dueMillis.containsKey(id)) {
                        Instant at = AttemptRecord.fromJson(record.value()).at();
                        attempted.merge(id, at, (a, b) -> a.isBefore(b) ? a : b);
                    }
                });
        Histogram toRelay = new Histogram(3);
        Histogram toAttempt = new Histogram(3);
        Histogram toReceipt = new Histogram(3);
        for (Map.Entry<String, Double> due : dueMillis.entrySet()) {
            String id = due.getKey();
            Long relayedAt = relayed.get(id);
            Instant attemptAt = attempted.get(id);
            Double receivedAt = receivedMillis.get(id);
            if (relayedAt == null || attemptAt == null || receivedAt == null) {
                continue;
            }
            double attemptMillis = attemptAt.toEpochMilli() + (attemptAt.getNano() % 1_000_000) / 1e6;
            record(toRelay, relayedAt - due.getValue());
            record(toAttempt, attemptMillis - relayedAt);
            record(toReceipt, receivedAt - attemptMillis);
        }
        return List.of(stage("due to relayed", toRelay), stage("relayed to attempt", toAttempt),
                stage("attempt to receipt", toReceipt));
    }

    /** Microseconds, clamped at 0 (a Kafka timestamp is truncated to the millisecond). */
    private static void record(Histogram h, double millis) {
        h.recordValue(Math.max(0, Math.round(millis * 1000)));
    }

    private static Stage stage(String name, Histogram micros) {
        if (micros.getTotalCount() == 0) {
            return new Stage(name, Double.NaN, Double.NaN);
        }
        return new Stage(name, micros.getValueAtPercentile(50) / 1000.0, micros.getValueAtPercentile(99) / 1000.0);
    }

    /** E.g. {@code due to relayed 9.1/31.0, relayed to attempt 12.0/80.2, attempt to receipt 4.0/20.1}. */
    static String describe(List<Stage> stages) {
        StringBuilder line = new StringBuilder("latency p50/p99 by stage, ms: ");
        for (int i = 0; i < stages.size(); i++) {
            Stage s = stages.get(i);
            line.append(i == 0 ? "" : ", ").append(s.name()).append(' ')
                    .append(BenchResult.millis(s.p50Millis())).append('/').append(BenchResult.millis(s.p99Millis()));
        }
        return line.toString();
    }
}
