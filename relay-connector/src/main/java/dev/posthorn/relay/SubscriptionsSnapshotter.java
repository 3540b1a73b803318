package dev.posthorn.relay;

import io.debezium.spi.snapshot.Snapshotter;
import java.util.Map;

/**
 * The relay's default snapshot mode ({@code snapshotMode=subscriptions}): on a slot without committed
 * offsets (the relay's first start), snapshot the subscriptions table, then stream from the slot's
 * confirmed position, i.e. from {@code Outbox.install}, which created the slot. So subscriptions added
 * before the relay first ran are published, and no outbox event committed since install is skipped.
 * Only the subscriptions table is snapshotted ({@code snapshot.include.collection.list}, set by
 * {@link DebeziumSettings}); the outbox never is: its events are all in the WAL the slot kept.
 *
 * <p>Debezium's own modes cannot do this: with no offsets they all start streaming at the snapshot's
 * (current) WAL position, so the events committed between install and the first start would be skipped.
 * Returning false from {@link #shouldStreamEventsStartingFromSnapshot()} makes Debezium's Postgres
 * connector take the existing slot's confirmed flush position as the start of streaming instead. It
 * returns false only on a start without offsets: with offsets, false would make Debezium stream a
 * "catch-up" phase on a second replication connection before its (skipped) snapshot, which collides
 * with the main stream on the same slot. Debezium asks {@link #shouldSnapshotData} (which is told
 * whether offsets exist) before it asks where the snapshot's stream starts; one instance serves one
 * engine run.
 *
 * <p>Public only because Debezium finds it with {@link java.util.ServiceLoader} by {@link #name()}; not an API.
 */
public final class SubscriptionsSnapshotter implements Snapshotter {

    /** The name {@link DebeziumSettings} passes as {@code snapshot.mode.custom.name}. */
    static final String NAME = "posthorn-subscriptions";

    /** Set when Debezium decides about the snapshot; until then, and with offsets, streaming is normal. */
    private volatile boolean startingWithoutOffsets;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void configure(Map<String, ?> properties) {}

    /** Only when no offset was committed yet, or a snapshot was interrupted before it completed. */
    @Override
    public boolean shouldSnapshotData(boolean offsetExists, boolean snapshotInProgress) {
        startingWithoutOffsets = !offsetExists;
        return !offsetExists || snapshotInProgress;
    }

    /** Postgres keeps no schema history; the schema is read along with the data snapshot. */
    @Override
    public boolean shouldSnapshotSchema(boolean offsetExists, boolean snapshotInProgress) {
        return false;
    }

    @Override
    public boolean shouldStream() {
        return true;
    }

    @Override
    public boolean shouldSnapshotOnSchemaError() {
        return false;
    }

    @Override
    public boolean shouldSnapshotOnDataError() {
        return false;
    }

    /**
     * On a start without offsets, stream from the slot's confirmed position (install), not from where the
     * snapshot read the table; otherwise Debezium's default.
     */
    @Override
    public boolean shouldStreamEventsStartingFromSnapshot() {
        return !startingWithoutOffsets;
    }
}
