package dev.posthorn.outbox;

import static dev.posthorn.outbox.Fixtures.dataSource;
import static dev.posthorn.outbox.Fixtures.installed;
import static dev.posthorn.outbox.Fixtures.outboxIn;
import static dev.posthorn.outbox.Fixtures.outboxRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

@PosthornIntegrationTest
class PublishFromYourCodeExampleTest {

    @Test
    void orderAndItsEventCommitTogetherOrNotAtAll(TestScope scope) throws Exception {
        // Rows kept so that the test can see the event; the example itself works with any retention.
        Outbox outbox = installed(scope, outboxIn(scope).retention(RowRetention.KEEP));
        try (Connection connection = scope.connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE orders (id text PRIMARY KEY, total numeric NOT NULL)");
        }
        PublishFromYourCodeExample example = new PublishFromYourCodeExample(dataSource(scope), outbox);

        example.placeOrder("o-1", new BigDecimal("42.50"));

        try (Connection connection = scope.connect();
                PreparedStatement query = connection.prepareStatement(
                        "SELECT type, aggregateid, payload->>'total' FROM posthorn_outbox WHERE aggregateid = ?")) {
            query.setString(1, "o-1");
            try (ResultSet rs = query.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("order.placed");
                assertThat(rs.getString(2)).isEqualTo("o-1");
                assertThat(rs.getString(3)).as("stored canonically: a float as CPython's repr writes it").isEqualTo("42.5");
            }
        }

        assertThatThrownBy(() -> example.placeOrder("o-1", BigDecimal.ONE))
                .as("duplicate order id").isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> example.placeOrder("o-2", BigDecimal.ONE.scaleByPowerOfTen(400)))
                .as("an event the outbox refuses rolls the order back").isInstanceOf(InvalidEventException.class);
        assertThat(outboxRows(scope)).isEqualTo(1);
        try (Connection connection = scope.connect()) {
            assertThat(Fixtures.count(connection, "orders")).isEqualTo(1);
        }
    }
}
