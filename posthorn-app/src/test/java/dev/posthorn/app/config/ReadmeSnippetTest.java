package dev.posthorn.app.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README's "publish from your own code" snippet is the body of a class that outbox-writer's
 * tests compile and run ({@code PublishFromYourCodeExample}); this keeps the two identical.
 */
class ReadmeSnippetTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void publishSnippetIsTheTestedExample() throws Exception {
        String example = Files.readString(ROOT.resolve(
                "outbox-writer/src/test/java/dev/posthorn/outbox/PublishFromYourCodeExample.java"));
        String begin = "// README snippet begins\n";
        String tested = example.substring(example.indexOf(begin) + begin.length(),
                example.indexOf("    // README snippet ends"));
        String dedented = tested.lines().map(l -> l.startsWith("    ") ? l.substring(4) : l)
                .collect(Collectors.joining("\n")).strip();

        String readme = Files.readString(ROOT.resolve("README.md"));
        int section = readme.indexOf("## Publish from your own code");
        int start = readme.indexOf("```java\n", section) + "```java\n".length();
        String shown = readme.substring(start, readme.indexOf("```", start)).strip();

        assertThat(section).isPositive();
        assertThat(shown).isEqualTo(dedented);
    }
}
