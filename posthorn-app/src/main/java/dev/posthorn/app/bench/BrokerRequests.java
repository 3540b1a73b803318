package dev.posthorn.app.bench;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Requests the in-process Kafka broker served so far, by request type, from the metrics it publishes
 * over JMX ({@code kafka.network:type=RequestMetrics,name=RequestsPerSec}). The broker's CPU goes
 * mostly per request, not per record, so requests per event is what explains its share. Empty for a
 * broker given by address (its metrics are in another process).
 */
final class BrokerRequests {

    private static final String PATTERN = "kafka.network:type=RequestMetrics,name=RequestsPerSec,*";

    private BrokerRequests() {}

    /** Cumulative request counts by type (Produce, Fetch, FetchConsumer, OffsetCommit, ...). */
    static Map<String, Long> read() {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        Map<String, Long> counts = new HashMap<>();
        try {
            for (ObjectName name : server.queryNames(new ObjectName(PATTERN), null)) {
                String request = name.getKeyProperty("request");
                if (request != null && server.getAttribute(name, "Count") instanceof Long count) {
                    counts.merge(request, count, Long::sum);
                }
            }
        } catch (JMException e) {
            return Map.of();
        }
        return counts;
    }

    /** E.g. {@code Kafka requests per event 0.12: Produce 0.10, Fetch 0.01, ...}, the busiest first; empty when none were read. */
    static String perEvent(Map<String, Long> before, Map<String, Long> after, long events) {
        if (after.isEmpty() || events <= 0) {
            return "";
        }
        Map<String, Double> perEvent = new HashMap<>();
        after.forEach((request, count) -> {
            long served = count - before.getOrDefault(request, 0L);
            if (served > 0) {
                perEvent.put(request, (double) served / events);
            }
        });
        double total = perEvent.values().stream().mapToDouble(Double::doubleValue).sum();
        return perEvent.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .map(e -> e.getKey() + " " + String.format("%.2f", e.getValue()))
                .collect(Collectors.joining(", ", "Kafka requests per event " + String.format("%.2f", total) + ": ", ""));
    }
}
