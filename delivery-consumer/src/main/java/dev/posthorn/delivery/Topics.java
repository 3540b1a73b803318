package dev.posthorn.delivery;

import java.util.Objects;
import java.util.OptionalInt;

/** The Kafka topic names under one prefix (docs/internal-contracts.md). */
public record Topics(String prefix) {

    public Topics {
        Objects.requireNonNull(prefix, "prefix");
    }

    /** Events written by the relay; key = aggregate id, value = canonical JSON envelope. */
    public String events() {
        return prefix + ".events";
    }

    /** Compacted subscriptions written by the relay; key = subscription id. */
    public String subscriptions() {
        return prefix + ".subscriptions";
    }

    /** Control records for the relay (e.g. disable a subscription after a 410). */
    public String control() {
        return prefix + ".control";
    }

    /** Retry tier {@code k}, 1-based. */
    public String retry(int tier) {
        if (tier < 1) {
            throw new IllegalArgumentException("retry tiers start at 1");
        }
        return prefix + ".retry." + tier;
    }

    public String deadLetters() {
        return prefix + ".dlq";
    }

    /** Compacted delivery markers, key {@code <subscriptionId>:<eventId>}. */
    public String inbox() {
        return prefix + ".inbox";
    }

    /** The delivery log: one record per attempt, key = event id. */
    public String attempts() {
        return prefix + ".attempts";
    }

    /** The tier of a retry topic name, or empty for any other topic. */
    public OptionalInt retryTier(String topic) {
        String start = prefix + ".retry.";
        if (!topic.startsWith(start)) {
            return OptionalInt.empty();
        }
        try {
            int tier = Integer.parseInt(topic.substring(start.length()));
            return tier >= 1 ? OptionalInt.of(tier) : OptionalInt.empty();
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }
}
