package dev.posthorn.spring;

import dev.posthorn.outbox.RowRetention;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code posthorn.*}: where the outbox lives and whether to install it at startup. Every default is
 * the outbox-writer's own.
 */
@ConfigurationProperties("posthorn")
public class PosthornProperties {

    /** Properties with every default; Spring binds {@code posthorn.*} onto them. */
    public PosthornProperties() {}

    /** Schema holding {@code posthorn_outbox} and {@code posthorn_subscriptions}. */
    private String schema = "public";

    /** Publication the relay reads ({@code POSTHORN_RELAY_PUBLICATION}). */
    private String publication = "posthorn";

    /** Logical replication slot the relay reads ({@code POSTHORN_RELAY_SLOT}). */
    private String slotName = "posthorn";

    /** Delete each row again in its transaction (the WAL keeps the insert), or keep rows as history. */
    private RowRetention rowRetention = RowRetention.DELETE_IN_TRANSACTION;

    /**
     * Run {@code Outbox.install} (tables, publication, replication slot; idempotent) when the
     * application starts. Off by default: most teams install from their migrations or with
     * {@code posthorn outbox install}, and the role needs the REPLICATION attribute for the slot.
     */
    private boolean installOnStartup = false;

    /** Returns the schema holding the outbox tables. */
    public String getSchema() {
        return schema;
    }

    /** Sets the schema holding the outbox tables. */
    public void setSchema(String schema) {
        this.schema = schema;
    }

    /** Returns the publication the relay reads. */
    public String getPublication() {
        return publication;
    }

    /** Sets the publication the relay reads. */
    public void setPublication(String publication) {
        this.publication = publication;
    }

    /** Returns the replication slot the relay reads. */
    public String getSlotName() {
        return slotName;
    }

    /** Sets the replication slot the relay reads. */
    public void setSlotName(String slotName) {
        this.slotName = slotName;
    }

    /** Returns whether rows are deleted in their transaction or kept. */
    public RowRetention getRowRetention() {
        return rowRetention;
    }

    /** Sets whether rows are deleted in their transaction or kept. */
    public void setRowRetention(RowRetention rowRetention) {
        this.rowRetention = rowRetention;
    }

    /** Returns whether the schema is installed at startup. */
    public boolean isInstallOnStartup() {
        return installOnStartup;
    }

    /** Sets whether the schema is installed at startup. */
    public void setInstallOnStartup(boolean installOnStartup) {
        this.installOnStartup = installOnStartup;
    }
}
