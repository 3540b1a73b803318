package dev.posthorn.outbox;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Map;
import javax.sql.DataSource;

/** "Write your first event from your own code", as shown in the README; exercised by its test. */
final class PublishFromYourCodeExample {

    private final DataSource dataSource;
    private final Outbox outbox;

    PublishFromYourCodeExample(DataSource dataSource, Outbox outbox) {
        this.dataSource = dataSource;
        this.outbox = outbox;
    }

    // README snippet begins
    void placeOrder(String orderId, BigDecimal total) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false); // the event joins your transaction
            try (PreparedStatement order = connection.prepareStatement("INSERT INTO orders (id, total) VALUES (?, ?)")) {
                order.setString(1, orderId);
                order.setBigDecimal(2, total);
                order.executeUpdate();
                outbox.publish(connection, "order.placed", orderId, Map.of("order_id", orderId, "total", total));
                connection.commit(); // the order and its event, or neither
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }
    // README snippet ends
}
