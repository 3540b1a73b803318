package dev.posthorn.delivery.subscriptions;

/**
 * Subscription topic matching (docs/internal-contracts.md): an exact event topic, {@code <prefix>.*}
 * for every topic that starts with {@code <prefix>.} at any depth, or {@code *} for every topic.
 */
public final class TopicPattern {

    private TopicPattern() {}

    public static boolean matches(String pattern, String topic) {
        if (pattern.equals("*")) {
            return true;
        }
        if (pattern.endsWith(".*")) {
            String prefix = pattern.substring(0, pattern.length() - 1); // keeps the dot
            return topic.length() > prefix.length() && topic.startsWith(prefix);
        }
        return pattern.equals(topic);
    }
}
