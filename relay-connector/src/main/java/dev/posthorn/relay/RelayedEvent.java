package dev.posthorn.relay;

import java.time.Instant;
import java.util.Optional;

/**
 * One event Kafka acknowledged on {@code <prefix>.events}, as {@link RelayListener#eventRelayed} sees it
 * (a tracing span hangs off this).
 *
 * @param eventId        the event's id
 * @param topic          the event's topic, e.g. {@code invoice.created}
 * @param kafkaTopic     the Kafka topic it was written to
 * @param partition      its partition there
 * @param offset         its offset there
 * @param traceparent    the event's W3C traceparent, if it carried a valid one
 * @param sent           when the relay handed the batch holding it to the producer
 * @param acknowledged   when the relay saw Kafka's acknowledgement
 */
public record RelayedEvent(String eventId, String topic, String kafkaTopic, int partition, long offset,
        Optional<String> traceparent, Instant sent, Instant acknowledged) {}
