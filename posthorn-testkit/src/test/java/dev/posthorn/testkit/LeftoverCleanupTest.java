package dev.posthorn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code .ci/clean-testkit-leftovers} (run by {@code .ci/run}) stops exactly what a dead test JVM left
 * running, found through the records the testkit wrote: its temporary Postgres and its marked child
 * JVM. What a live test JVM recorded, and processes that merely sit at a recorded pid without the
 * recorded command line, are left alone.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LeftoverCleanupTest {

    private static final Path SCRIPT = Path.of("..", ".ci", "clean-testkit-leftovers").toAbsolutePath().normalize();
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    private final List<Process> started = new ArrayList<>();
    private final List<Long> stragglers = new ArrayList<>();
    private Path leftoverDataDirectory;

    @AfterEach
    void stopEverything() {
        started.forEach(Process::destroyForcibly);
        stragglers.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        if (leftoverDataDirectory != null) {
            TestFiles.deleteRecursively(leftoverDataDirectory);
        }
    }

    private Process sleeper(String... jvmOptions) throws IOException {
        List<String> command = new ArrayList<>(List.of(JAVA, "-Xmx32m"));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), SleeperMain.class.getName()));
        Process p = new ProcessBuilder(command).start();
        started.add(p);
        return p;
    }

    private static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content + "\n");
    }

    private static String clean(Path registry) throws Exception {
        Process script = new ProcessBuilder("bash", SCRIPT.toString(), registry.toString()).redirectErrorStream(true).start();
        String output = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(script.waitFor(60, TimeUnit.SECONDS)).as("the script finishes").isTrue();
        assertThat(script.exitValue()).as(output).isZero();
        return output;
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    void stopsWhatADeadTestJvmLeftAndNothingElse(@TempDir Path registry) throws Exception {
        // A test JVM that starts a temporary Postgres and a child JVM, then dies by SIGKILL.
        Process owner = new ProcessBuilder(JAVA, "-Xmx256m", "-Dposthorn.testkit.dir=" + registry,
                "-cp", System.getProperty("java.class.path"), LeftoverOwnerMain.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        started.add(owner);
        String ready;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(owner.getInputStream(), StandardCharsets.UTF_8))) {
            ready = Await.value(Duration.ofSeconds(120), "the owner JVM's Postgres and child", () -> {
                try {
                    String line = out.readLine();
                    return line == null || line.startsWith("READY ") ? java.util.Optional.ofNullable(line)
                            : java.util.Optional.empty();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
        String[] fields = ready.split(" ");
        long postmaster = Long.parseLong(fields[1]);
        long child = Long.parseLong(fields[2]);
        Path dataDirectory = Path.of(fields[3]);
        leftoverDataDirectory = dataDirectory;
        stragglers.addAll(List.of(postmaster, child));
        owner.destroyForcibly();
        assertThat(owner.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(alive(postmaster)).as("zonky's postmaster outlives its JVM").isTrue();
        assertThat(alive(child)).as("the child JVM outlives its parent").isTrue();

        // A test JVM that is still running (this one) with a marked child: not a leftover.
        long self = ProcessHandle.current().pid();
        String selfOwner = self + "-" + TestProcesses.startTime(self);
        Process liveChild = sleeper("-Dposthorn.testkit.owner=" + selfOwner);
        write(registry.resolve(selfOwner).resolve("owner"), self + " " + TestProcesses.startTime(self));
        write(registry.resolve(selfOwner).resolve("child-" + liveChild.pid()), Long.toString(liveChild.pid()));

        // A dead owner whose records name live processes that are not what it started (a reused pid).
        Process finished = new ProcessBuilder(JAVA, "-version").redirectErrorStream(true).start();
        finished.getInputStream().readAllBytes();
        finished.waitFor();
        String deadOwner = finished.pid() + "-1";
        Process unrelated = sleeper("-Dposthorn.testkit.owner=someone-else");
        write(registry.resolve(deadOwner).resolve("owner"), finished.pid() + " 1");
        write(registry.resolve(deadOwner).resolve("child-" + unrelated.pid()), Long.toString(unrelated.pid()));
        write(registry.resolve(deadOwner).resolve("postgres-" + unrelated.pid()), unrelated.pid() + " " + dataDirectory);

        String output = clean(registry);

        Await.until(Duration.ofSeconds(30), "the leftover Postgres and child JVM stopped",
                () -> !alive(postmaster) && !alive(child));
        assertThat(output).contains("test Postgres in " + dataDirectory).contains("child JVM of dead test JVM");
        assertThat(dataDirectory).as("the dead owner's cluster directory").doesNotExist();
        assertThat(liveChild.isAlive()).as("a running suite's child").isTrue();
        assertThat(unrelated.isAlive()).as("a process at a recorded pid without the recorded command line").isTrue();
        assertThat(registry.resolve(selfOwner).resolve("child-" + liveChild.pid())).as("live records stay").exists();
        assertThat(registry.resolve(deadOwner)).as("dead owners' records go").doesNotExist();
        try (var owners = Files.list(registry)) {
            assertThat(owners.map(p -> p.getFileName().toString())).containsExactly(selfOwner);
        }

        assertThat(clean(registry)).as("nothing left to do the second time").isEmpty();
    }
}
