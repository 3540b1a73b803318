package dev.posthorn.relay;

import java.time.Instant;

/**
 * Observes a running relay: the hook metrics adapters hang off (the app module maps these calls onto
 * its meter registry). Called on relay threads; implementations must be quick and must not throw.
 * Every method has a no-op default, so implement only what you need.
 */
public interface RelayListener {

    /** Ignores everything. */
    RelayListener NONE = new RelayListener() {};

    /** The relay moved from {@code previous} to {@code current}. */
    default void stateChanged(RelayState previous, RelayState current) {}

    /**
     * A batch of changes was acknowledged by Kafka and marked processed.
     *
     * @param batchSize changes Debezium handed over in this batch (heartbeats and skipped changes included)
     * @param eventsRelayed records written to {@code <prefix>.events}
     * @param subscriptionChanges records (and tombstones) written to {@code <prefix>.subscriptions}
     * @param newestEventCreatedAt {@code created_at} of the newest event in the batch, or null if it had none
     */
    default void batchRelayed(int batchSize, int eventsRelayed, int subscriptionChanges, Instant newestEventCreatedAt) {}

    /**
     * One event was acknowledged by Kafka; called per event, before {@link #batchRelayed} for its batch,
     * and only when {@link #observesEvents()} is true (the relay then builds one record per event).
     */
    default void eventRelayed(RelayedEvent event) {}

    /** Whether to call {@link #eventRelayed} (read once, when the relay starts). */
    default boolean observesEvents() {
        return false;
    }

    /** An outbox row could not become an event and went to {@code <prefix>.relay-dlq} instead. */
    default void malformedRow(String eventId, String reason) {}

    /** Bytes of WAL behind the server's current position not yet confirmed by the relay, measured while active. */
    default void slotLag(long bytes) {}

    /**
     * Bytes of WAL Postgres keeps for the slot ({@code pg_current_wal_lsn() - restart_lsn}), measured while
     * active: what a slot nobody reads piles up until the disk is full.
     */
    default void slotRetainedWal(long bytes) {}
}
