package dev.posthorn.spring;

import dev.posthorn.outbox.Outbox;
import dev.posthorn.outbox.OutboxEvent;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.support.SQLExceptionSubclassTranslator;
import org.springframework.transaction.IllegalTransactionStateException;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Publishes outbox events in the current Spring-managed transaction: the event exists if and only if
 * that transaction commits. Call it from a {@code @Transactional} method (or a
 * {@code TransactionTemplate}); outside a transaction it refuses and writes nothing.
 *
 * <pre>{@code
 * @Transactional
 * public void placeOrder(Order order) {
 *     orders.save(order);
 *     outbox.publish("order.placed", order.id(), order);
 * }
 * }</pre>
 *
 * <p>Thread-safe; the starter creates one from the application's {@code DataSource}.
 */
public final class TransactionalOutbox {

    private final Outbox outbox;
    private final DataSource dataSource;
    private final TraceContextSource traceContext;
    private final SQLExceptionSubclassTranslator translator = new SQLExceptionSubclassTranslator();

    /**
     * A publisher over {@code dataSource}; the starter creates one, tests and plain Spring apps may too.
     *
     * @param outbox       the outbox-writer settings (schema, retention, payload limit)
     * @param dataSource   the {@code DataSource} the application's transaction manager binds connections of
     * @param traceContext where an event's traceparent comes from when it has none of its own
     */
    public TransactionalOutbox(Outbox outbox, DataSource dataSource, TraceContextSource traceContext) {
        this.outbox = Objects.requireNonNull(outbox, "outbox");
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.traceContext = Objects.requireNonNull(traceContext, "traceContext");
    }

    /**
     * Writes one event in the current transaction and returns its id; see
     * {@link Outbox#publish(Connection, String, String, Object)} for what {@code topic}, {@code key} and
     * {@code payload} may be.
     *
     * @throws IllegalTransactionStateException when no Spring-managed transaction is active
     * @throws dev.posthorn.outbox.InvalidEventException before anything is written, naming the bad field
     * @throws DataAccessException from the database; the transaction then rolls back
     */
    public UUID publish(String topic, String key, Object payload) {
        return publish(OutboxEvent.of(topic, key, payload));
    }

    /**
     * Writes one event in the current transaction; an event without a traceparent of its own gets the
     * current trace context's.
     *
     * @throws IllegalTransactionStateException when no Spring-managed transaction is active
     */
    public UUID publish(OutboxEvent event) {
        Objects.requireNonNull(event, "event");
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalTransactionStateException("Posthorn publish(" + event.topic() + ") needs a"
                    + " Spring-managed transaction (call it from a @Transactional method or a TransactionTemplate);"
                    + " outside one the event could not commit with your changes, so nothing was written");
        }
        OutboxEvent traced = event.traceparent().isPresent()
                ? event
                : traceContext.currentTraceparent().map(event::withTraceparent).orElse(event);
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            return outbox.publish(connection, traced);
        } catch (SQLException e) {
            DataAccessException translated = translator.translate("Posthorn publish(" + event.topic() + ")", null, e);
            throw translated != null ? translated
                    : new UncategorizedSQLException("Posthorn publish(" + event.topic() + ")", null, e);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }

    /** The outbox-writer settings this publishes with. */
    public Outbox outbox() {
        return outbox;
    }
}
