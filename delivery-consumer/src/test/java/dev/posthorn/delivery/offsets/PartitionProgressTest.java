package dev.posthorn.delivery.offsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PartitionProgressTest {

    @Test
    void commitsUpToTheLowestRecordWithoutDurableOutcome() {
        PartitionProgress p = new PartitionProgress();
        assertThat(p.committable()).isEmpty();
        p.track(10, 3);   // fanned out to three subscriptions
        p.track(11, 0);   // no subscription matched
        p.track(12, 1);
        assertThat(p.committable()).hasValue(10);
        p.complete(12);
        assertThat(p.committable()).hasValue(10);
        p.complete(10);
        p.complete(10);
        assertThat(p.committable()).hasValue(10);
        p.complete(10);
        assertThat(p.committable()).hasValue(13);
        assertThat(p.toCommit()).hasValue(13);
        p.markCommitted(13);
        assertThat(p.toCommit()).isEmpty();
        p.track(20, 1); // a gap (compaction, transaction markers) is fine
        assertThat(p.committable()).hasValue(20);
        p.complete(20);
        assertThat(p.toCommit()).hasValue(21);
    }

    @Test
    void refusesOutOfOrderAndUnknownOffsets() {
        PartitionProgress p = new PartitionProgress();
        p.track(5, 1);
        assertThatThrownBy(() -> p.track(4, 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> p.complete(6)).isInstanceOf(IllegalStateException.class);
    }
}
