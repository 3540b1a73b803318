package dev.posthorn.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README's Spring section stays short, and its code is the body of {@link OrderService}, which
 * {@link TransactionalOutboxTest} compiles and runs in a real Spring context.
 */
class ReadmeSpringSectionTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void theSpringSnippetIsTheTestedExampleAndTheSectionIsAtMost15Lines() throws Exception {
        String example = Files.readString(ROOT.resolve(
                "posthorn-spring-boot-starter/src/test/java/dev/posthorn/spring/OrderService.java"));
        String begin = "// README snippet begins\n";
        String tested = example.substring(example.indexOf(begin) + begin.length(),
                example.indexOf("    // README snippet ends"));
        String dedented = tested.lines().map(l -> l.startsWith("    ") ? l.substring(4) : l)
                .collect(Collectors.joining("\n")).strip();

        String readme = Files.readString(ROOT.resolve("README.md"));
        int section = readme.indexOf("## Publish from Spring Boot");
        assertThat(section).isPositive();
        int next = readme.indexOf("\n## ", section + 1);
        String body = readme.substring(readme.indexOf('\n', section) + 1, next).strip();
        assertThat(body.lines().count()).as("lines of the Spring section").isLessThanOrEqualTo(15);

        int start = readme.indexOf("```java\n", section) + "```java\n".length();
        assertThat(start).isLessThan(next);
        assertThat(readme.substring(start, readme.indexOf("```", start)).strip()).isEqualTo(dedented);
    }
}
