package dev.posthorn.outbox;

/** What {@link Outbox#publish} does with the outbox row once it is written. */
public enum RowRetention {

    /**
     * The default. Insert the row and delete it again in the caller's transaction: the write-ahead log
     * keeps the INSERT for the relay, and the table never grows. Rows cannot be queried afterwards.
     */
    DELETE_IN_TRANSACTION,

    /**
     * Keep rows as a queryable history of published events. The table then grows until
     * {@link Outbox#prune(java.sql.Connection, java.time.Duration)} removes old rows; schedule it.
     */
    KEEP
}
