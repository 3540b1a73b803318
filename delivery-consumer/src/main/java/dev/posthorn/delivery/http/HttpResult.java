package dev.posthorn.delivery.http;

import java.time.Duration;

/**
 * What an endpoint answered.
 *
 * @param status     HTTP status code
 * @param retryAfter the raw {@code Retry-After} header, or null
 * @param bodyStart  the start of the response body (at most 1 KiB, for the DLQ's
 *                   last error), never more than was read
 * @param latency    from sending the request to the end of reading the (capped) response
 */
public record HttpResult(int status, String retryAfter, String bodyStart, Duration latency) {

    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }
}
