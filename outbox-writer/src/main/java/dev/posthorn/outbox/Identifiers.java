package dev.posthorn.outbox;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * SQL identifiers we splice into statements (schema and publication names). Only lowercase names are
 * accepted so that the quoted form used in SQL means the same as the unquoted one people type in psql.
 */
final class Identifiers {

    private static final Pattern LOWERCASE_IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private Identifiers() {}

    static Optional<String> check(String setting, String value) {
        if (value == null || value.isBlank()) {
            return Optional.of(setting + ": must not be blank");
        }
        if (!LOWERCASE_IDENTIFIER.matcher(value).matches()) {
            return Optional.of(setting + ": must be a lowercase SQL identifier (a-z, 0-9, _; not starting with a digit;"
                    + " at most 63 characters), was '" + value + "'");
        }
        return Optional.empty();
    }

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /** A role name as it must be written in SQL: bare when that means the same, quoted otherwise. */
    static String forSql(String name) {
        return LOWERCASE_IDENTIFIER.matcher(name).matches() ? name : quote(name);
    }
}
