package dev.posthorn.relay;

/** Where a {@link RelayService} is in its life. Each transition is logged once at INFO. */
public enum RelayState {
    /** Created, {@link RelayService#start()} not called yet. */
    NEW,
    /** Checking the schema and creating or verifying the topics. */
    STARTING,
    /** Another relay holds the slot's lock; this one waits to take over. */
    STANDBY,
    /** Holds the lock; the Debezium engine is starting or restarting. */
    CONNECTING,
    /** The replication slot is active and changes flow to Kafka. */
    STREAMING,
    /** The stream failed (database or broker); it is restarted with backoff from the last committed position. */
    RECOVERING,
    /** {@link RelayService#close(java.time.Duration)} is draining. */
    STOPPING,
    /** Stopped; every thread and connection is closed. */
    STOPPED,
    /** Stopped by an error that a restart cannot fix (configuration, schema, topic settings); see the log. */
    FAILED
}
