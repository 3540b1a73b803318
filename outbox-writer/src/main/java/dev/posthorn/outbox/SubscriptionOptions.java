package dev.posthorn.outbox;

import dev.posthorn.filter.EventFilter;
import dev.posthorn.filter.InvalidFilterException;
import dev.posthorn.signature.CustomHeaders;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A subscription's delivery options, validated when built (an {@link InvalidSubscriptionException}
 * names the field: {@code filter}, {@code headers} or {@code rate_limit}).
 *
 * @param filter    a payload filter (see {@link EventFilter}), held as canonical JSON text; empty = every event
 * @param headers   static headers sent on every attempt, never one Posthorn or HTTP sets (see {@link CustomHeaders})
 * @param rateLimit at most this many requests per second to the subscription, across all delivery instances;
 *                  empty = no limit
 * @param signing   how deliveries are signed; with Ed25519 Posthorn keeps the key pair (see {@link Subscription#publicKey})
 */
public record SubscriptionOptions(Optional<String> filter, Map<String, String> headers, Optional<Integer> rateLimit,
        Signing signing) {

    /** No filter, no headers, no rate limit, HMAC signatures. */
    public static final SubscriptionOptions NONE =
            new SubscriptionOptions(Optional.empty(), Map.of(), Optional.empty(), Signing.HMAC);

    /** Options signed with HMAC. */
    public SubscriptionOptions(Optional<String> filter, Map<String, String> headers, Optional<Integer> rateLimit) {
        this(filter, headers, rateLimit, Signing.HMAC);
    }
    public static final int MAX_RATE_LIMIT = 10_000;

    public SubscriptionOptions {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(rateLimit, "rateLimit");
        Objects.requireNonNull(signing, "signing");
        filter = filter.map(SubscriptionOptions::checkedFilter);
        headers = checkedHeaders(headers);
        rateLimit.ifPresent(limit -> {
            if (limit < 1 || limit > MAX_RATE_LIMIT) {
                throw new InvalidSubscriptionException("rate_limit", "must be 1 to " + MAX_RATE_LIMIT
                        + " requests per second, was " + limit);
            }
        });
    }

    public SubscriptionOptions withFilter(Optional<String> newFilter) {
        return new SubscriptionOptions(newFilter, headers, rateLimit, signing);
    }

    public SubscriptionOptions withHeaders(Map<String, String> newHeaders) {
        return new SubscriptionOptions(filter, newHeaders, rateLimit, signing);
    }

    public SubscriptionOptions withRateLimit(Optional<Integer> newRateLimit) {
        return new SubscriptionOptions(filter, headers, newRateLimit, signing);
    }

    public SubscriptionOptions withSigning(Signing newSigning) {
        return new SubscriptionOptions(filter, headers, rateLimit, newSigning);
    }

    /** Header values may be credentials: only their names are shown. */
    @Override
    public String toString() {
        return "SubscriptionOptions[filter=" + filter.orElse("none") + ", headers=" + headers.keySet()
                + ", rateLimit=" + rateLimit.map(r -> r + "/s").orElse("none") + ", signing=" + signing.text() + "]";
    }

    private static String checkedFilter(String json) {
        try {
            return EventFilter.parse(json).json();
        } catch (InvalidFilterException e) {
            throw new InvalidSubscriptionException("filter", e.getMessage());
        }
    }

    /** Sorted by name; two names differing only in case are refused (HTTP does not tell them apart). */
    private static Map<String, String> checkedHeaders(Map<String, String> headers) {
        Map<String, String> sorted = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, String> e : headers.entrySet()) {
            if (e.getKey() == null) {
                throw new InvalidSubscriptionException("headers", "header names must not be null");
            }
            if (sorted.put(e.getKey(), e.getValue()) != null) {
                throw new InvalidSubscriptionException("headers", "header '" + e.getKey() + "' is given twice");
            }
        }
        CustomHeaders.problem(sorted).ifPresent(problem -> {
            throw new InvalidSubscriptionException("headers", problem);
        });
        return java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(sorted));
    }
}
