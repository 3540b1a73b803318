package dev.posthorn.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.app.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class DlqCommandTest {

    @Test
    void replayWithoutAFilterOrAllIsRefusedWithOneLineNamingTheOptions() {
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(err, true), "dlq", "replay");
        assertThat(code).isEqualTo(1);
        assertThat(err.toString().strip())
                .isEqualTo("posthorn: dlq replay: say what to replay with --subscription, --since or --until, or"
                        + " replay every dead letter with --all")
                .doesNotContain("Exception");
    }
}
