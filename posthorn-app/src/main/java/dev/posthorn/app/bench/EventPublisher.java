package dev.posthorn.app.bench;

import dev.posthorn.outbox.Outbox;
import dev.posthorn.outbox.OutboxEvent;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Writes the bench's 1 KiB events through the real outbox: {@code publish}, or {@code publishAll} for a batch. */
final class EventPublisher implements CommitLoop.Writer {

    private final Outbox outbox;
    private final String topic;

    EventPublisher(Outbox outbox, String topic) {
        this.outbox = outbox;
        this.topic = topic;
    }

    @Override
    public List<UUID> write(Connection connection, long firstSequence, int count) throws SQLException {
        if (count == 1) {
            return List.of(outbox.publish(connection, topic, Payloads.key(firstSequence), Payloads.payload(firstSequence)));
        }
        List<OutboxEvent> events = new ArrayList<>(count);
        for (long sequence = firstSequence; sequence < firstSequence + count; sequence++) {
            events.add(OutboxEvent.of(topic, Payloads.key(sequence), Payloads.payload(sequence)));
        }
        return outbox.publishAll(connection, events);
    }
}
