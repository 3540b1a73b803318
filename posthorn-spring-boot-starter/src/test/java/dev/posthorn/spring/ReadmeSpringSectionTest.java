package dev.posthorn.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.testkit.ReadmeSnippets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's Spring section stays short, and its code is the body of {@link OrderService}, which
 * {@link TransactionalOutboxTest} compiles and runs in a real Spring context.
 */
class ReadmeSpringSectionTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String HEADING = "## Publish from Spring Boot";

    @Test
    void theSpringSnippetIsTheTestedExampleAndTheSectionIsAtMost15Lines() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int section = readme.indexOf(HEADING);
        assertThat(section).isPositive();
        String body = readme.substring(readme.indexOf('\n', section) + 1, readme.indexOf("\n## ", section + 1)).strip();
        assertThat(body.lines().count()).as("lines of the Spring section").isLessThanOrEqualTo(15);
        assertThat(body).contains("```java");

        String tested = ReadmeSnippets.tested(ROOT.resolve(
                "posthorn-spring-boot-starter/src/test/java/dev/posthorn/spring/OrderService.java"));
        assertThat(ReadmeSnippets.shown(readme, HEADING)).isEqualTo(tested);
    }
}
