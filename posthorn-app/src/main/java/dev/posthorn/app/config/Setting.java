package dev.posthorn.app.config;

import java.util.Set;

/**
 * One row of Posthorn's configuration table: the single source of truth for what can be configured,
 * read by the code to validate and by the README test to keep the documentation in step.
 *
 * @param key environment variable name; the properties-file form is the same key
 * @param defaultValue the default ({@code ""} for an optional key), or {@code null} when the key must be set
 * @param services which commands read it
 * @param secret never printed, logged or echoed in an error
 * @param description one line for the README
 */
public record Setting(String key, String defaultValue, Set<Service> services, boolean secret, String description) {

    /** The commands that read configuration. */
    public enum Service {
        RELAY, DELIVER, ADMIN, CLI, RECEIVER;

        String label() {
            return this == RECEIVER ? "demo-receiver" : name().toLowerCase();
        }
    }

    /** Must be set by the user for the services that read it (admin: unless authentication is off). */
    public boolean required() {
        return defaultValue == null;
    }
}
