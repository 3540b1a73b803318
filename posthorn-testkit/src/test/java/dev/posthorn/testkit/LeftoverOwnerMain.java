package dev.posthorn.testkit;

import java.nio.file.Path;
import java.util.List;

/**
 * A test JVM that starts what suites start (a temporary embedded Postgres and a marked child JVM),
 * reports their pids on stdout and waits to be killed, so that {@link LeftoverCleanupTest} can leave
 * them behind as a killed surefire fork does.
 */
public final class LeftoverOwnerMain {

    public static void main(String[] args) throws Exception {
        EmbeddedPostgresServer postgres = EmbeddedPostgresServer.startTemporary();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = TestProcesses.register(new ProcessBuilder(List.of(java, "-Xmx32m", TestProcesses.ownerOption(),
                "-cp", System.getProperty("java.class.path"), SleeperMain.class.getName())).inheritIO().start());
        System.out.println("READY " + postgres.postmasterPid() + " " + child.pid() + " " + postgres.dataDirectory());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE); // until SIGKILL: this JVM plays a test JVM that dies
    }
}
