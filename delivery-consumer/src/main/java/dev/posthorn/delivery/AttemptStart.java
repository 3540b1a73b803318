package dev.posthorn.delivery;

import java.net.URI;
import java.util.Optional;

/**
 * One HTTP attempt about to be sent, as {@link DeliveryListener#attemptStarting} sees it.
 *
 * @param eventId        the event's id
 * @param topic          the event's topic, e.g. {@code invoice.created}
 * @param eventsTopic    the Kafka topic the event was read from, e.g. {@code posthorn.events}
 * @param partition      its partition there
 * @param offset         its offset there
 * @param traceparent    the event's own W3C traceparent, if it carried one
 * @param subscriptionId the subscription it goes to
 * @param url            the subscriber's URL
 * @param attempt        1 for the first attempt
 */
public record AttemptStart(String eventId, String topic, String eventsTopic, int partition, long offset,
        Optional<String> traceparent, String subscriptionId, URI url, int attempt) {}
