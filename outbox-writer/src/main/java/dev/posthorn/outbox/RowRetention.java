package dev.posthorn.outbox;

/** What {@link Outbox#publish} leaves in the outbox table; every mode gives the relay the same events. */
public enum RowRetention {

    /**
     * The default. Write no row: the event goes into the write-ahead log only, as a transactional logical
     * decoding message ({@code pg_logical_emit_message}) that commits or rolls back with the caller's
     * transaction and that the relay reads like a row (docs/internal-contracts.md). Postgres does no heap,
     * index or vacuum work for it and the relay decodes one message instead of an INSERT and a DELETE.
     * Needs Postgres 14 or later. Other readers of the table (Debezium's own EventRouter) see nothing:
     * choose one of the modes below for them.
     */
    WAL_MESSAGE,

    /**
     * Insert the row and delete it again in the caller's transaction: the write-ahead log keeps the
     * INSERT for the relay (and for Debezium's EventRouter), and the table never grows. Rows cannot be
     * queried afterwards.
     */
    DELETE_IN_TRANSACTION,

    /**
     * Keep rows as a queryable history of published events. The table then grows until
     * {@link Outbox#prune(java.sql.Connection, java.time.Duration)} removes old rows; schedule it.
     */
    KEEP
}
