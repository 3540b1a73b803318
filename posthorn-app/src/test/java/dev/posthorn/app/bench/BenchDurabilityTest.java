package dev.posthorn.app.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.testkit.EmbeddedPostgresServer;
import dev.posthorn.testkit.PostgresServer;
import dev.posthorn.testkit.PosthornIntegrationTest;
import org.junit.jupiter.api.Test;

/** The bench says which durability its figures were measured with, as the server reports it. */
@PosthornIntegrationTest
class BenchDurabilityTest {

    @Test
    void theDurabilityLineNamesFsyncAndSynchronousCommitAsTheServerReportsThem(PostgresServer postgres) {
        String line = BenchServers.durability(postgres);

        assertThat(line).matches("Postgres durability: fsync=(on|off) synchronous_commit=(on|off|local|remote_write"
                + "|remote_apply) full_page_writes=(on|off).*");
        if (postgres instanceof EmbeddedPostgresServer embedded) {
            assertThat(line).contains("fsync=" + (embedded.fsync() ? "on" : "off"), "synchronous_commit=on",
                    "(the embedded cluster this run started)");
        }
    }
}
