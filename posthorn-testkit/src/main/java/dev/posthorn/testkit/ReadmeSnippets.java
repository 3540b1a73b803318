package dev.posthorn.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * README code that a test compiles: the snippet lives in a test source between
 * {@code // README snippet begins} and {@code // README snippet ends} (indented one level), and the
 * README shows it in the first {@code ```java} block of a section.
 */
public final class ReadmeSnippets {

    private static final String BEGIN = "// README snippet begins\n";
    private static final String END = "    // README snippet ends";

    private ReadmeSnippets() {}

    /** The snippet of {@code exampleSource}, one level of indentation removed. */
    public static String tested(Path exampleSource) throws IOException {
        String example = Files.readString(exampleSource);
        String tested = example.substring(example.indexOf(BEGIN) + BEGIN.length(), example.indexOf(END));
        return tested.lines().map(l -> l.startsWith("    ") ? l.substring(4) : l)
                .collect(Collectors.joining("\n")).strip();
    }

    /** The first {@code ```java} block after {@code heading} in {@code readme}, or null without the heading. */
    public static String shown(String readme, String heading) {
        int section = readme.indexOf(heading);
        if (section < 0) {
            return null;
        }
        int start = readme.indexOf("```java\n", section) + "```java\n".length();
        return readme.substring(start, readme.indexOf("```", start)).strip();
    }
}
