package dev.posthorn.app.http;

import dev.posthorn.app.http.JsonHttp.HttpError;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** Query and body parameters of the admin API, parsed with 400 answers that name the parameter. */
public final class QueryParams {

    private QueryParams() {}

    /** A page size: {@code 100} when absent. */
    public static int limit(String raw, int max) {
        if (raw == null || raw.isBlank()) {
            return 100;
        }
        try {
            return Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw new HttpError(400, "limit: expected a number from 1 to " + max);
        }
    }

    public static String blankToNull(String raw) {
        return raw == null || raw.isBlank() ? null : raw.trim();
    }

    /** An ISO-8601 instant, or empty when absent. */
    public static Optional<Instant> instant(String raw, String field) {
        if (raw == null || raw.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(raw.trim()));
        } catch (DateTimeParseException e) {
            throw new HttpError(400, field + ": expected an ISO-8601 instant such as 2026-01-31T12:00:00Z");
        }
    }
}
