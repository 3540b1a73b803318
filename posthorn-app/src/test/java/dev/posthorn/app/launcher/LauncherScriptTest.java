package dev.posthorn.app.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The {@code ./posthorn} launcher must run under macOS's bash 3.2, where expanding an empty array
 * under {@code set -u} fails ("unbound variable"); bash 5 here does not fail, so the rule is checked
 * on the text: every array that starts out empty is expanded in the guarded {@code ${a[@]+"${a[@]}"}}
 * form. And shellcheck
 * finds nothing in the launcher and the CI scripts.
 */
class LauncherScriptTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final List<Path> SCRIPTS = List.of(ROOT.resolve("posthorn"), ROOT.resolve(".ci/run"),
            ROOT.resolve(".ci/clean-testkit-leftovers"));

    @Test
    void everyArrayExpansionIsSafeForAnEmptyArrayUnderBash32() throws IOException {
        for (Path script : SCRIPTS) {
            List<String> unguarded = unguardedArrayExpansions(Files.readString(script, StandardCharsets.UTF_8));
            assertThat(unguarded).as("array expansions in %s that fail on bash 3.2 when the array is empty", script)
                    .isEmpty();
        }
    }

    @Test
    void theGuardCheckCatchesAnUnguardedExpansion() {
        assertThat(unguardedArrayExpansions("set -u\ncandidates=()\nfor c in \"${candidates[@]}\"; do :; done\n"))
                .containsExactly("\"${candidates[@]}\"");
        assertThat(unguardedArrayExpansions("cmd=(mvnw -B)\n\"${cmd[@]}\" verify\n")).as("never empty").isEmpty();
        assertThat(unguardedArrayExpansions("for c in ${candidates[@]+\"${candidates[@]}\"}; do :; done\n"))
                .isEmpty();
    }

    @Test
    void shellcheckFindsNothing() throws Exception {
        assumeTrue(onPath("shellcheck"), "shellcheck is not installed (apt-get install shellcheck)");
        List<String> command = new ArrayList<>(List.of("shellcheck", "--shell=bash"));
        SCRIPTS.forEach(p -> command.add(p.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("shellcheck said:%n%s", output).isZero();
    }

    private static List<String> unguardedArrayExpansions(String script) {
        List<String> found = new ArrayList<>();
        Matcher m = Pattern.compile("\"\\$\\{(\\w+)\\[[@*]\\]\\}\"").matcher(script);
        while (m.find()) {
            String guard = "${" + m.group(1) + "[@]+";
            int start = m.start();
            boolean guarded = start >= guard.length() && script.startsWith(guard, start - guard.length());
            // Only an array that starts out empty (name=()) can be empty when expanded.
            boolean canBeEmpty = Pattern.compile("\\b" + m.group(1) + "=\\(\\)").matcher(script).find();
            if (!guarded && canBeEmpty) {
                found.add(m.group());
            }
        }
        return found;
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
