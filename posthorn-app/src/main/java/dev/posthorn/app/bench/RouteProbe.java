package dev.posthorn.app.bench;

import dev.posthorn.outbox.Outbox;
import dev.posthorn.embedded.Postgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Proves that the delivery consumer knows every new subscription before a phase starts: a
 * subscription change reaches it asynchronously (WAL → relay → compacted topic), and an event fanned
 * out before that would, correctly, not be owed to it. Publishes a probe event per route and waits
 * for every subscriber to receive one, publishing again each second until all have.
 */
final class RouteProbe {

    private static final Duration ROUND = Duration.ofSeconds(1);

    private final Outbox outbox;
    private final Postgres postgres;

    RouteProbe(Outbox outbox, Postgres postgres) {
        this.outbox = outbox;
        this.postgres = postgres;
    }

    void awaitRouted(List<Route> routes, Duration timeout) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<Route.Subscriber> pending = new LinkedHashSet<>();
        routes.forEach(route -> pending.addAll(route.subscribers()));
        while (!pending.isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(pending.size() + " subscriptions were not routed to within "
                        + timeout.toSeconds() + " s, e.g. " + pending.iterator().next().subscriptionId());
            }
            publishProbes(routes.stream().filter(route -> route.subscribers().stream().anyMatch(pending::contains)).toList());
            long roundEnd = System.nanoTime() + ROUND.toNanos();
            for (Route.Subscriber subscriber : new ArrayList<>(pending)) {
                if (subscriber.endpoint().awaitProbe(Duration.ofNanos(Math.max(0, roundEnd - System.nanoTime())))) {
                    pending.remove(subscriber);
                }
            }
        }
    }

    private void publishProbes(List<Route> routes) throws SQLException {
        try (Connection connection = postgres.connect()) {
            connection.setAutoCommit(false);
            for (Route route : routes) {
                outbox.publish(connection, route.probeTopic(), "probe", "{\"probe\":true}");
            }
            connection.commit();
        }
    }
}
