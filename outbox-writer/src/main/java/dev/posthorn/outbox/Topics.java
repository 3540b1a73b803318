package dev.posthorn.outbox;

import java.util.Optional;

/**
 * Topic names, as fixed in docs/internal-contracts.md: event topics match
 * {@code ^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$} and have at most 249 characters (Kafka's limit
 * for a topic name); subscription topics are an event topic, {@code <event topic>.*} or {@code *}.
 *
 * <p>The pattern is checked by hand rather than with a regex because {@code publish} checks it on every
 * call; {@code TopicsTest} proves both agree.
 */
final class Topics {

    static final int MAX_LENGTH = 249;
    static final String EVENT_PATTERN = "^[a-z0-9][a-z0-9_-]*(\\.[a-z0-9][a-z0-9_-]*)*$";
    private static final String WILDCARD_SUFFIX = ".*";

    private Topics() {}

    /** What is wrong with {@code topic} as an event topic, or empty if nothing. */
    static Optional<String> eventTopicProblem(String topic) {
        if (topic == null || topic.isBlank()) {
            return Optional.of("must not be blank");
        }
        if (topic.length() > MAX_LENGTH) {
            return Optional.of("is " + topic.length() + " characters long; at most " + MAX_LENGTH + " are allowed");
        }
        if (!isEventTopic(topic)) {
            return Optional.of("'" + topic + "' does not match " + EVENT_PATTERN
                    + ": lowercase segments of a-z, 0-9, '_' and '-', each starting with a letter or digit,"
                    + " separated by single dots, e.g. invoice.created");
        }
        return Optional.empty();
    }

    /** What is wrong with {@code topic} as a subscription topic, or empty if nothing. */
    static Optional<String> subscriptionTopicProblem(String topic) {
        if (topic == null || topic.isBlank()) {
            return Optional.of("must not be blank");
        }
        if (topic.length() > MAX_LENGTH) {
            return Optional.of("is " + topic.length() + " characters long; at most " + MAX_LENGTH + " are allowed");
        }
        if (topic.equals("*")) {
            return Optional.empty();
        }
        String exact = topic.endsWith(WILDCARD_SUFFIX) ? topic.substring(0, topic.length() - WILDCARD_SUFFIX.length()) : topic;
        if (!isEventTopic(exact)) {
            return Optional.of("'" + topic + "' is not an event topic (e.g. invoice.created), a prefix form"
                    + " (e.g. invoice.*, every topic starting with 'invoice.') or * (every topic)");
        }
        return Optional.empty();
    }

    /** Debezium's {@code aggregatetype}: the first segment, {@code invoice} for {@code invoice.created}. */
    static String aggregateType(String topic) {
        int dot = topic.indexOf('.');
        return dot < 0 ? topic : topic.substring(0, dot);
    }

    static boolean isEventTopic(String topic) {
        boolean segmentStart = true;
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            boolean alphanumeric = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            if (segmentStart) {
                if (!alphanumeric) {
                    return false;
                }
                segmentStart = false;
            } else if (c == '.') {
                segmentStart = true;
            } else if (!alphanumeric && c != '_' && c != '-') {
                return false;
            }
        }
        return !segmentStart; // rejects "" and a trailing dot
    }
}
