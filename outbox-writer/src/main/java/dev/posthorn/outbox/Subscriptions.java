package dev.posthorn.outbox;

import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Webhook subscriptions, stored in {@code posthorn_subscriptions}. Every change sets {@code updated_at}
 * and reaches the delivery consumers through the WAL and the relay. Secrets are sealed with the
 * outbox's {@code SecretCipher} before they are stored; plaintext only ever leaves this type as the
 * return value of {@link #add}, {@link #rotate} and {@link #validSecrets}, never in logs or messages.
 *
 * <p>Obtain one from {@link Outbox#subscriptions(javax.sql.DataSource)}.
 */
public interface Subscriptions {

    /**
     * Subscribes {@code url} to {@code topic}, or, when that pair exists, rotates its secret: the
     * current secret becomes the previous one, valid for the outbox's grace period (default 24 h), and
     * the new one signs from now on. {@code strictOrder} is set either way; enabled state is kept.
     *
     * @param topic       an event topic ({@code invoice.created}), a prefix form ({@code invoice.*}, every
     *                    topic starting with {@code invoice.} at any depth), or {@code *} (every topic)
     * @param url         absolute {@code http} or {@code https} URL without user info
     * @param secret      the signing secret to use (at least 16 characters); empty to have
     *                    {@code whsec_<base64 of 32 random bytes>} generated
     * @param strictOrder when a delivery to this subscription fails, hold back later events with the same key
     * @throws InvalidSubscriptionException naming the field, before anything is written
     */
    default SubscriptionChange add(String topic, String url, Optional<String> secret, boolean strictOrder)
            throws SQLException {
        return add(topic, url, secret, strictOrder, SubscriptionOptions.NONE);
    }

    /**
     * As {@link #add(String, String, Optional, boolean)}, with delivery options (filter, custom headers,
     * rate limit); they are set either way, like {@code strictOrder}.
     *
     * @throws InvalidSubscriptionException naming the field, before anything is written
     */
    SubscriptionChange add(String topic, String url, Optional<String> secret, boolean strictOrder,
            SubscriptionOptions options) throws SQLException;

    /**
     * Changes the options of subscription {@code id} (not its topic, URL or secrets; no rotation).
     * The change reaches every delivery instance through the subscriptions topic like any other.
     *
     * @return the subscription as changed; empty if there is no such subscription
     * @throws InvalidSubscriptionException naming the field, before anything is written
     */
    Optional<Subscription> update(UUID id, SubscriptionPatch patch) throws SQLException;

    /** Generates a new secret for subscription {@code id}, keeping the current one valid for the grace period; empty if there is no such subscription. */
    Optional<SubscriptionChange> rotate(UUID id) throws SQLException;

    /** All subscriptions, oldest first. */
    List<Subscription> list() throws SQLException;

    /** The subscription with this id, if there is one. */
    Optional<Subscription> get(UUID id) throws SQLException;

    /** Deletes subscription {@code id}; returns whether a subscription was removed. */
    boolean remove(UUID id) throws SQLException;

    /** Stops deliveries to subscription {@code id}, recording why; @return whether it exists */
    boolean disable(UUID id, String reason) throws SQLException;

    /** Resumes deliveries and clears the disabled reason; @return whether it exists */
    boolean enable(UUID id) throws SQLException;

    /**
     * The plaintext secrets that sign for subscription {@code id} at {@code now}: the current one first,
     * then the previous one while its grace period lasts. Empty when there is no such subscription.
     *
     * @throws IllegalStateException when a stored secret cannot be opened with the configured key
     */
    List<String> validSecrets(UUID id, Instant now) throws SQLException;
}
