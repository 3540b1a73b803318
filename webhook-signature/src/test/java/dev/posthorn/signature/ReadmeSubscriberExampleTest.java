package dev.posthorn.signature;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The subscriber example in the root README compiles against this module, as Java 17. */
class ReadmeSubscriberExampleTest {

    private static final String HEADING = "## Receiving webhooks";
    /** The imports the README names next to the example. */
    private static final String IMPORTS = "import dev.posthorn.signature.*;\n"
            + "import com.sun.net.httpserver.*;\n"
            + "import java.net.InetSocketAddress;\n"
            + "import java.nio.charset.StandardCharsets;\n";

    @Test
    void subscriberExampleCompiles(@TempDir Path classes) throws Exception {
        String example = exampleFrom(Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8));
        assertThat(example.lines().count()).as("README example lines").isBetween(1L, 10L);
        assertThat(example).contains("new InetSocketAddress(9000)", "VerifyingHttpHandler", "server.start()");

        String source = IMPORTS + "class ReadmeExample {\n    static void main() throws Exception {\n"
                + example + "\n    }\n}\n";
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///ReadmeExample.java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        List<String> options = List.of("--release", "17", "-proc:none", "-d", classes.toString(),
                "-classpath", System.getProperty("java.class.path"));

        Boolean compiled = compiler.getTask(null, null, diagnostics, options, null, List.of(file)).call();

        List<String> errors = diagnostics.getDiagnostics().stream()
                .filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                .map(d -> "line " + d.getLineNumber() + ": " + d.getMessage(null))
                .collect(Collectors.toList());
        assertThat(errors).as("compiling:\n" + source).isEmpty();
        assertThat(compiled).isTrue();
        assertThat(new File(classes.toFile(), "ReadmeExample.class")).exists();
    }

    /** The first ```java block after the "Receiving webhooks" heading. */
    private static String exampleFrom(String readme) {
        int heading = readme.indexOf(HEADING);
        assertThat(heading).as("README has a '" + HEADING + "' heading").isNotNegative();
        int open = readme.indexOf("```java\n", heading);
        assertThat(open).as("a ```java block follows the heading").isNotNegative();
        int start = open + "```java\n".length();
        int close = readme.indexOf("\n```", start - 1);
        assertThat(close).as("the ```java block is closed").isGreaterThanOrEqualTo(start - 1);
        return readme.substring(start, Math.max(start, close));
    }
}
