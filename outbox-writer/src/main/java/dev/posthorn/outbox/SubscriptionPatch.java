package dev.posthorn.outbox;

import java.util.Map;
import java.util.Optional;

/**
 * A change of a subscription's options ({@link Subscriptions#update}); what is not set stays as it is.
 * Topic, URL and secrets are not options: they do not change here.
 */
public final class SubscriptionPatch {

    private final Optional<Optional<String>> filter;
    private final Optional<Map<String, String>> headers;
    private final Optional<Optional<Integer>> rateLimit;
    private final Optional<Boolean> strictOrder;
    private final Optional<Signing> signing;

    private SubscriptionPatch(Builder b) {
        this.signing = b.signing;
        this.filter = b.filter;
        this.headers = b.headers;
        this.rateLimit = b.rateLimit;
        this.strictOrder = b.strictOrder;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The options after this patch; validated like any options. */
    public SubscriptionOptions applyTo(SubscriptionOptions current) {
        SubscriptionOptions next = current;
        if (filter.isPresent()) {
            next = next.withFilter(filter.get());
        }
        if (headers.isPresent()) {
            next = next.withHeaders(headers.get());
        }
        if (rateLimit.isPresent()) {
            next = next.withRateLimit(rateLimit.get());
        }
        if (signing.isPresent()) {
            next = next.withSigning(signing.get());
        }
        return next;
    }

    /** The new strict-order flag, when it changes. */
    public Optional<Boolean> strictOrder() {
        return strictOrder;
    }

    public boolean isEmpty() {
        return filter.isEmpty() && headers.isEmpty() && rateLimit.isEmpty() && strictOrder.isEmpty() && signing.isEmpty();
    }

    public static final class Builder {
        private Optional<Optional<String>> filter = Optional.empty();
        private Optional<Map<String, String>> headers = Optional.empty();
        private Optional<Optional<Integer>> rateLimit = Optional.empty();
        private Optional<Boolean> strictOrder = Optional.empty();
        private Optional<Signing> signing = Optional.empty();

        private Builder() {}

        /** A new signing scheme; switching to Ed25519 generates the subscription's key pair if it has none. */
        public Builder signing(Signing signing) {
            this.signing = Optional.of(signing);
            return this;
        }

        /** A new filter (JSON text), or empty to deliver every event again. */
        public Builder filter(Optional<String> json) {
            this.filter = Optional.of(json);
            return this;
        }

        /** The new complete set of custom headers (empty removes them all). */
        public Builder headers(Map<String, String> headers) {
            this.headers = Optional.of(java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(headers)));
            return this;
        }

        /** A new rate limit, or empty for none. */
        public Builder rateLimit(Optional<Integer> perSecond) {
            this.rateLimit = Optional.of(perSecond);
            return this;
        }

        public Builder strictOrder(boolean strictOrder) {
            this.strictOrder = Optional.of(strictOrder);
            return this;
        }

        public SubscriptionPatch build() {
            return new SubscriptionPatch(this);
        }
    }
}
