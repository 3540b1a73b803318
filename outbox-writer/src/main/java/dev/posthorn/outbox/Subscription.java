package dev.posthorn.outbox;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * A webhook subscription as stored, without its secrets: they are sealed in the database and handed
 * out only by {@link Subscriptions#validSecrets}, so this record can be logged and printed freely.
 *
 * @param id                      the subscription id, also the key of its record on {@code <prefix>.subscriptions}
 * @param topic                   an event topic, a prefix form such as {@code invoice.*}, or {@code *}
 * @param url                     where deliveries are POSTed
 * @param enabled                 whether deliveries happen
 * @param disabledReason          why it was disabled, while it is
 * @param strictOrder             whether a failing delivery holds back later events with the same key
 * @param previousSecretExpiresAt when a previous secret exists, the instant it stops (or stopped) being valid
 * @param createdAt               when it was first added
 * @param updatedAt               when it last changed (any change, including a secret rotation)
 * @param options                 filter, custom headers, rate limit and signing scheme
 * @param publicKey               the Ed25519 public key ({@code whpk_…}) receivers verify {@code v1a} signatures
 *                                with, when the subscription has a key pair
 */
public record Subscription(
        UUID id,
        String topic,
        String url,
        boolean enabled,
        Optional<String> disabledReason,
        boolean strictOrder,
        Optional<Instant> previousSecretExpiresAt,
        Instant createdAt,
        Instant updatedAt,
        SubscriptionOptions options,
        Optional<String> publicKey) {}
