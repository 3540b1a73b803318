package dev.posthorn.spring;

import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Transactional;

/** The README's Spring example, exercised by {@link TransactionalOutboxTest}. */
public class OrderService {

    private final JdbcTemplate jdbc;
    private final TransactionalOutbox outbox;
    private volatile UUID lastEventId;

    public OrderService(JdbcTemplate jdbc, TransactionalOutbox outbox) {
        this.jdbc = jdbc;
        this.outbox = outbox;
    }

    // README snippet begins
    @Transactional
    public UUID placeOrder(String orderId, long totalCents) {
        jdbc.update("INSERT INTO orders (id, total_cents) VALUES (?, ?)", orderId, totalCents);
        return outbox.publish("order.placed", orderId, Map.of("order_id", orderId, "total_cents", totalCents));
    }
    // README snippet ends

    /** Publishes, then fails: the transaction rolls back, and the event with it. */
    @Transactional
    public void placeOrderThenFail(String orderId) {
        lastEventId = placeOrder(orderId, 100);
        throw new IllegalStateException("payment declined for " + orderId);
    }

    /** The id {@link #placeOrderThenFail} published before failing (read through the proxy, hence a method). */
    public UUID lastEventId() {
        return lastEventId;
    }

    /** No transaction at all. */
    public UUID publishWithoutTransaction(String orderId) {
        return outbox.publish("order.untransacted", orderId, Map.of("order_id", orderId));
    }
}
