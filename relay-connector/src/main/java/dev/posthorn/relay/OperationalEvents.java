package dev.posthorn.relay;

import dev.posthorn.outbox.Outbox;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Publishes Posthorn's own operational events through the outbox, like any application event, so
 * an operator subscribes to {@code posthorn.*} and gets them signed and retried.
 */
final class OperationalEvents {

    static final String SUBSCRIPTION_DISABLED = "posthorn.subscription.disabled";
    static final String DELIVERY_DEAD_LETTERED = "posthorn.delivery.dead_lettered";

    private final Outbox outbox;
    private final DataSource dataSource;

    OperationalEvents(Outbox outbox, DataSource dataSource) {
        this.outbox = outbox;
        this.dataSource = dataSource;
    }

    /** Why a subscription was disabled, as the event's {@code cause} says it. */
    static String cause(String reason) {
        if (reason == null) {
            return "other";
        }
        if (reason.startsWith("failing since")) {
            return "sustained_failure";
        }
        return reason.contains("410") ? "gone" : "other";
    }

    UUID subscriptionDisabled(UUID id, String url, String reason, String cause, Instant at) throws SQLException {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("id", id.toString());
        payload.put("url", url);
        payload.put("reason", reason);
        payload.put("cause", cause);
        payload.put("at", at.toString());
        return publish(SUBSCRIPTION_DISABLED, id.toString(), payload);
    }

    UUID deadLettered(Map<String, Object> payload, String subscriptionId) throws SQLException {
        return publish(DELIVERY_DEAD_LETTERED, subscriptionId, payload);
    }

    private UUID publish(String topic, String key, Map<String, Object> payload) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                UUID id = outbox.publish(c, topic, key, payload);
                c.commit();
                return id;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }
}
