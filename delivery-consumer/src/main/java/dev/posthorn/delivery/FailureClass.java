package dev.posthorn.delivery;

/** Why an attempt did not deliver, coarse enough for a metric tag. */
public enum FailureClass {
    /** 3xx: redirects are never followed. */
    REDIRECT,
    /** 4xx other than 410 and 429. */
    CLIENT_ERROR,
    /** 5xx other than 503 with Retry-After. */
    SERVER_ERROR,
    /** 429, or 503 with Retry-After. */
    RATE_LIMITED,
    /** 410 Gone: the subscription is disabled. */
    GONE,
    /** Connect or response timeout. */
    TIMEOUT,
    /** Connection refused or reset, DNS failure, other I/O errors. */
    CONNECTION,
    /** The SSRF guard refused every address of the destination; no connection was made. */
    BLOCKED,
    /** Not sent: the endpoint's circuit breaker is open. */
    CIRCUIT_OPEN,
    /** Not sent: too many deliveries already waiting for this endpoint. */
    SATURATED,
    /** Not sent: the subscription is disabled, deleted, or its secret or URL is unusable. */
    SUBSCRIPTION_UNUSABLE
}
