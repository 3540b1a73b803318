package dev.posthorn.app.bench;

import java.util.List;
import java.util.UUID;

/**
 * A family of event topics of one phase ({@code <base>.event}, {@code <base>.probe}) and the
 * subscriptions ({@code <base>.*}) that receive it.
 */
record Route(String topicBase, List<Subscriber> subscribers) {

    /** A subscription and the receiver endpoint its URL points at. */
    record Subscriber(UUID subscriptionId, ReceiverEndpoint endpoint) {}

    Route {
        subscribers = List.copyOf(subscribers);
    }

    String eventTopic() {
        return topicBase + ".event";
    }

    String probeTopic() {
        return topicBase + ReceiverEndpoint.PROBE_SUFFIX;
    }
}
