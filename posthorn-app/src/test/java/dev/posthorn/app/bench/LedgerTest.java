package dev.posthorn.app.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LedgerTest {

    @Test
    void whatIsNeitherDeliveredDeadLetteredNorInFlightIsLost() {
        Ledger ledger = new Ledger(10_000, 9_990, 4, 3, 2);

        assertThat(ledger.lost()).isEqualTo(3);
        assertThat(ledger.surplus()).isZero();
    }

    @Test
    void aBalancedLedgerLosesNothing() {
        assertThat(new Ledger(40_000, 39_500, 0, 500, 0).lost()).isZero();
    }

    @Test
    void moreAccountedThanOwedIsASurplusNotANegativeLoss() {
        Ledger ledger = new Ledger(100, 100, 1, 0, 0);

        assertThat(ledger.lost()).isZero();
        assertThat(ledger.surplus()).isEqualTo(1);
    }

    @Test
    void phasesAddUp() {
        Ledger total = Ledger.empty()
                .plus(new Ledger(5_000, 5_000, 0, 0, 1))
                .plus(new Ledger(10_000, 9_500, 20, 470, 0));

        assertThat(total).isEqualTo(new Ledger(15_000, 14_500, 20, 470, 1));
        assertThat(total.lost()).isEqualTo(10);
    }

    @Test
    void throughputRunsFromFirstToLastInstant() {
        assertThat(new Throughput(6_000, 1_000_000_000L, 3_000_000_000L).eventsPerSecond()).isEqualTo(3_000);
        assertThat(new Throughput(0, 0, 0).eventsPerSecond()).isNaN();
        assertThat(new Throughput(10, 5, 5).eventsPerSecond()).isNaN();
    }
}
