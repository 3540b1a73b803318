package dev.posthorn.delivery;

/** Live values for gauges; handed to {@link DeliveryListener#gauges} once at start. Thread-safe. */
public interface DeliveryGauges {

    /** HTTP deliveries in flight (including waiting for their outcome to be acknowledged). */
    int inFlight();

    /** Deliveries fetched but waiting for a slot (instance-wide or their endpoint's). */
    int queued();

    /** Sum of consumer lag over the assigned partitions, as of the last poll. */
    long consumerLag();

    /**
     * Events partitions paused until the subscriptions view has read what their next event needs (see
     * {@link SubscriptionsHold}); above zero for long, the subscriptions follower is behind.
     */
    int waitingForSubscriptions();

    /** Inbox markers held in memory. */
    long inboxMarkers();
}
