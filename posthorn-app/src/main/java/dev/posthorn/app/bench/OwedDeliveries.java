package dev.posthorn.app.bench;

import java.util.Set;
import java.util.UUID;

/** What one pipeline phase committed: every event is owed to every subscriber of its route. */
record OwedDeliveries(String phase, Route route, Set<UUID> eventIds) {

    long count() {
        return (long) eventIds.size() * route.subscribers().size();
    }
}
