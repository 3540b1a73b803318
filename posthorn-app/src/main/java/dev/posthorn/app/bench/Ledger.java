package dev.posthorn.app.bench;

/**
 * Where every expected delivery of the Posthorn phases ended up at the cut-off. One event counts
 * once per subscription that matched it.
 *
 * @param published deliveries owed: committed events times the subscriptions matching each
 * @param delivered distinct (subscription, event) pairs the receiver accepted
 * @param deadLettered records on the dead-letter topic
 * @param inFlight deliveries the delivery consumer still held (waiting in a retry tier) at the cut-off
 * @param duplicates receipts beyond the first of a (subscription, event) pair
 */
record Ledger(long published, long delivered, long deadLettered, long inFlight, long duplicates) {

    /** Deliveries owed that are neither delivered, dead-lettered nor still in flight. */
    long lost() {
        return Math.max(0, published - delivered - deadLettered - inFlight);
    }

    /**
     * Accounted deliveries beyond those owed (e.g. a dead-lettered event that was delivered after
     * all): never expected, and shown so that it cannot cancel out a loss unnoticed.
     */
    long surplus() {
        return Math.max(0, delivered + deadLettered + inFlight - published);
    }

    Ledger plus(Ledger other) {
        return new Ledger(published + other.published, delivered + other.delivered,
                deadLettered + other.deadLettered, inFlight + other.inFlight, duplicates + other.duplicates);
    }

    static Ledger empty() {
        return new Ledger(0, 0, 0, 0, 0);
    }
}
