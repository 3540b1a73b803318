package dev.posthorn.outbox;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * What {@link Subscriptions#add} or {@link Subscriptions#rotate} did.
 *
 * @param id              the subscription's id
 * @param kind            whether it was created or its secret rotated
 * @param generatedSecret the new plaintext secret when Posthorn generated it, to show the subscriber
 *                        once; empty when the caller supplied the secret. Never printed by {@link #toString()}
 * @param publicKey       the Ed25519 public key ({@code whpk_…}) when the subscription signs with Ed25519: new after
 *                        a rotation
 */
public record SubscriptionChange(UUID id, Kind kind, Optional<String> generatedSecret, Optional<String> publicKey) {

    /** A change without an Ed25519 key pair. */
    public SubscriptionChange(UUID id, Kind kind, Optional<String> generatedSecret) {
        this(id, kind, generatedSecret, Optional.empty());
    }

    /** Whether the change created a subscription or rotated an existing one's secret. */
    public enum Kind {
        /** A new subscription was stored. */
        CREATED,
        /** The subscription existed; its secret was rotated. */
        ROTATED
    }

    /** Refuses nulls: an absent secret is {@code Optional.empty()}. */
    public SubscriptionChange {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(generatedSecret, "generatedSecret");
        Objects.requireNonNull(publicKey, "publicKey");
    }

    /** Whether a new subscription was stored. */
    public boolean created() {
        return kind == Kind.CREATED;
    }

    @Override
    public String toString() {
        return "SubscriptionChange[id=" + id + ", kind=" + kind
                + ", generatedSecret=" + (generatedSecret.isPresent() ? "<redacted>" : "none") + "]";
    }
}
