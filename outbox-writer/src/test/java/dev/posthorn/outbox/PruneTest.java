package dev.posthorn.outbox;

import static dev.posthorn.outbox.Fixtures.installed;
import static dev.posthorn.outbox.Fixtures.outboxIn;
import static dev.posthorn.outbox.Fixtures.outboxRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestScope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@PosthornIntegrationTest
class PruneTest {

    @Test
    void deletesOnlyRowsOlderThanTheCutoffInSeveralBatches(TestScope scope) throws Exception {
        MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
        Outbox outbox = installed(scope, outboxIn(scope).retention(RowRetention.KEEP).clock(clock));
        int oldRows = JdbcOutbox.PRUNE_BATCH_SIZE * 2 + 500; // more than one batch, and a partial last one
        try (Connection connection = scope.connect()) {
            connection.setAutoCommit(false);
            List<OutboxEvent> old = new ArrayList<>();
            for (int i = 0; i < oldRows; i++) {
                old.add(OutboxEvent.of("invoice.created", "inv-" + i, "{}"));
            }
            outbox.publishAll(connection, old);
            clock.advance(Duration.ofDays(7));
            List<UUID> recent = outbox.publishAll(connection, List.of(
                    OutboxEvent.of("invoice.paid", "inv-1", "{}"), OutboxEvent.of("invoice.paid", "inv-2", "{}")));
            connection.commit();

            clock.advance(Duration.ofDays(1)); // old rows are 8 days old, recent ones 1 day
            connection.setAutoCommit(true);
            long deleted = outbox.prune(connection, Duration.ofDays(3));

            assertThat(deleted).isEqualTo(oldRows);
            assertThat(remainingIds(connection)).containsExactlyInAnyOrderElementsOf(recent);
            assertThat(outbox.prune(connection, Duration.ofDays(3))).as("nothing left to prune").isZero();
            assertThat(outbox.prune(connection, Duration.ofHours(12))).isEqualTo(2);
        }
        assertThat(outboxRows(scope)).isZero();
    }

    @Test
    void refusesAConnectionInsideATransaction(TestScope scope) throws Exception {
        Outbox outbox = installed(scope, outboxIn(scope).retention(RowRetention.KEEP));
        try (Connection connection = scope.connect()) {
            connection.setAutoCommit(false);
            assertThatThrownBy(() -> outbox.prune(connection, Duration.ofDays(1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("pass a connection in auto-commit mode");
            connection.setAutoCommit(true);
            assertThatThrownBy(() -> outbox.prune(connection, Duration.ofDays(-1)))
                    .hasMessageContaining("olderThan: must be zero or positive");
        }
    }

    private static Set<UUID> remainingIds(Connection connection) throws Exception {
        Set<UUID> ids = new HashSet<>();
        try (PreparedStatement query = connection.prepareStatement("SELECT id FROM posthorn_outbox");
                ResultSet rs = query.executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getObject(1, UUID.class));
            }
        }
        return ids;
    }
}
