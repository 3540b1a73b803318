package dev.posthorn.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a test JVM started outside itself, written down so that {@code .ci/clean-testkit-leftovers}
 * (run by {@code .ci/run} before and after the suite) can stop it if this JVM dies first, and nothing
 * else: zonky detaches the postmaster, and a child JVM outlives a killed parent.
 *
 * <p>Layout, under the registry directory ({@code posthorn.testkit.dir}, which the build sets to
 * {@code <checkout>/.posthorn/testkit}; else {@code <java.io.tmpdir>/posthorn-testkit-<user>}):
 * <pre>
 * &lt;owner&gt;/owner             "&lt;pid&gt; &lt;start time&gt;" of this JVM (start time: field 22 of /proc/&lt;pid&gt;/stat)
 * &lt;owner&gt;/postgres-&lt;pid&gt;    "&lt;postmaster pid&gt; &lt;data directory&gt;"
 * &lt;owner&gt;/child-&lt;pid&gt;       "&lt;pid&gt;" of a child JVM started with {@link #ownerOption()}
 * </pre>
 * {@code <owner>} is {@code <pid>-<start time>}. The script stops a recorded process only when the
 * owner JVM is gone and the process's command line still carries the recorded data directory
 * ({@code -D <dir>}) or this owner's marker; records are removed when what they name stops normally.
 */
public final class TestProcesses {

    private static final Logger log = LoggerFactory.getLogger(TestProcesses.class);
    /** System property marking a child JVM with the test JVM that started it. */
    public static final String OWNER_PROPERTY = "posthorn.testkit.owner";

    private static final String START_TIME = startTime(ProcessHandle.current().pid());
    private static final String OWNER = ProcessHandle.current().pid() + "-" + START_TIME;

    private TestProcesses() {}

    /** The JVM option to put on a child JVM's command line: {@code -Dposthorn.testkit.owner=<owner>}. */
    public static String ownerOption() {
        return "-D" + OWNER_PROPERTY + "=" + OWNER;
    }

    /**
     * Records a child JVM started with {@link #ownerOption()}, until it exits.
     *
     * @throws IllegalArgumentException if its command line does not carry the marker (it could not be cleaned up)
     */
    public static Process register(Process child) {
        List<String> arguments = child.info().arguments().map(List::of).orElse(List.of());
        if (!arguments.isEmpty() && !arguments.contains(ownerOption())) {
            throw new IllegalArgumentException("start the child JVM with TestProcesses.ownerOption() on its command line");
        }
        record("child-" + child.pid(), Long.toString(child.pid()));
        child.onExit().thenRun(() -> forget("child-" + child.pid()));
        return child;
    }

    /**
     * Records the detached postmaster of a cluster a test started (temporary ones are recorded already),
     * until the server is closed.
     */
    public static EmbeddedPostgresServer register(EmbeddedPostgresServer postgres) {
        if (postgres.postmasterPid() < 0) {
            log.warn("No postmaster.pid in {}: this cluster cannot be cleaned up if the JVM dies", postgres.dataDirectory());
        } else {
            record("postgres-" + postgres.postmasterPid(), postgres.postmasterPid() + " " + postgres.dataDirectory().toAbsolutePath());
        }
        return postgres;
    }

    static void forgetPostgres(long pid) {
        if (pid >= 0) {
            forget("postgres-" + pid);
        }
    }

    static Optional<Long> postmasterPid(Path dataDirectory) {
        return dev.posthorn.embedded.EmbeddedPostgres.postmasterPid(dataDirectory);
    }

    static Path registry() {
        return Testkit.setting("POSTHORN_TESTKIT_DIR").map(Path::of)
                .orElseGet(() -> Path.of(System.getProperty("java.io.tmpdir"), "posthorn-testkit-" + System.getProperty("user.name")));
    }

    private static synchronized void record(String name, String content) {
        Path dir = registry().resolve(OWNER);
        try {
            Files.createDirectories(dir);
            Path owner = dir.resolve("owner");
            if (!Files.exists(owner)) {
                Files.writeString(owner, ProcessHandle.current().pid() + " " + START_TIME + "\n", StandardCharsets.US_ASCII);
            }
            Path tmp = dir.resolve(name + ".tmp");
            Files.writeString(tmp, content + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, dir.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.warn("Cannot record {} under {}: it cannot be cleaned up if this JVM dies ({})", name, dir, e.toString());
        }
    }

    private static synchronized void forget(String name) {
        Path dir = registry().resolve(OWNER);
        try {
            Files.deleteIfExists(dir.resolve(name));
            try (var left = Files.list(dir)) {
                if (left.allMatch(p -> p.getFileName().toString().equals("owner"))) {
                    Files.deleteIfExists(dir.resolve("owner"));
                    Files.deleteIfExists(dir);
                }
            }
        } catch (IOException e) {
            // A record left behind names a process that is gone: the cleanup skips and removes it.
        }
    }

    /** Field 22 of /proc/<pid>/stat (clock ticks after boot), which tells a reused pid apart; "unknown" elsewhere. */
    static String startTime(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return fields[22 - 3];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
