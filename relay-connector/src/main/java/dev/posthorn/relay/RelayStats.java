package dev.posthorn.relay;

import java.time.Duration;
import java.util.Optional;

/**
 * A snapshot of the relay's counters, for health endpoints and tests.
 *
 * @param state the current state
 * @param eventsRelayed records acknowledged on {@code <prefix>.events} since start
 * @param subscriptionChangesRelayed records and tombstones acknowledged on {@code <prefix>.subscriptions}
 * @param malformedRows outbox rows sent to {@code <prefix>.relay-dlq}
 * @param lastBatchSize size of the last batch Debezium handed over
 * @param slotLagBytes WAL not yet confirmed by the relay at the last check, or -1 if not measured yet
 * @param slotRetainedWalBytes WAL Postgres keeps for the slot ({@code restart_lsn}) at the last check, or -1
 *     if not measured yet
 * @param newestEventAge now minus {@code created_at} of the newest relayed event, if any was relayed
 */
public record RelayStats(
        RelayState state,
        long eventsRelayed,
        long subscriptionChangesRelayed,
        long malformedRows,
        int lastBatchSize,
        long slotLagBytes,
        long slotRetainedWalBytes,
        Optional<Duration> newestEventAge) {}
