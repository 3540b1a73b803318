package dev.posthorn.app.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.testkit.ReadmeSnippets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's "publish from your own code" snippet is the body of a class that outbox-writer's
 * tests compile and run ({@code PublishFromYourCodeExample}); this keeps the two identical.
 */
class ReadmeSnippetTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void publishSnippetIsTheTestedExample() throws Exception {
        String tested = ReadmeSnippets.tested(ROOT.resolve(
                "outbox-writer/src/test/java/dev/posthorn/outbox/PublishFromYourCodeExample.java"));
        String shown = ReadmeSnippets.shown(Files.readString(ROOT.resolve("README.md")), "## Publish from your own code");
        assertThat(shown).isEqualTo(tested);
    }
}
