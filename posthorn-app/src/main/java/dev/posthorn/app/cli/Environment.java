package dev.posthorn.app.cli;

import dev.posthorn.app.config.ConfigReader;
import dev.posthorn.app.config.Settings;
import dev.posthorn.app.config.Wiring;
import dev.posthorn.app.dev.DevConnection;
import dev.posthorn.app.ops.Operations;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The process environment, read once per command. Tests substitute their own map.
 *
 * <p>CLI commands ({@link #read()}) given no {@code POSTHORN_*} setting talk to the running dev stack
 * through the connection file {@code posthorn dev} keeps next to its data, and say so on stderr; the
 * services ({@link #forService()}) never do.
 */
final class Environment {

    /** Keys that do not say which stack to talk to: setting only these still finds the dev stack. */
    private static final Set<String> NOT_A_TARGET = Set.of(Settings.LOG_LEVEL, Settings.JAVA_OPTS);

    private static volatile Map<String, String> override;
    private static volatile Path devHome = DevConnection.DEFAULT_HOME;
    private static volatile PrintStream notices;

    private Environment() {}

    private static Map<String, String> environment() {
        return override != null ? override : System.getenv();
    }

    /** A CLI command's configuration: the environment, or the running dev stack's when none is set. */
    static ConfigReader read() {
        return ConfigReader.fromEnvironment(cliEnvironment());
    }

    /** A service's configuration: the environment only. */
    static ConfigReader forService() {
        return ConfigReader.fromEnvironment(environment());
    }

    /** The dev stack the CLI would talk to now, if no {@code POSTHORN_*} setting names another. */
    static Optional<DevConnection> devStack() {
        if (environment().keySet().stream().anyMatch(k -> k.startsWith("POSTHORN_") && !NOT_A_TARGET.contains(k))) {
            return Optional.empty();
        }
        Optional<DevConnection> found = DevConnection.read(devHome);
        if (found.isPresent() && !found.get().running()) {
            notice("posthorn: ignoring " + DevConnection.file(devHome) + ": the dev stack that wrote it (pid "
                    + found.get().pid() + ") is not running; start `./posthorn dev` or set POSTHORN_* variables");
            return Optional.empty();
        }
        found.ifPresent(c -> notice("posthorn: talking to the dev stack in " + devHome + " (Postgres "
                + c.settings().getOrDefault(Settings.DATABASE_URL, "?") + ", Kafka "
                + c.settings().getOrDefault(Settings.KAFKA_BOOTSTRAP, "?")
                + "); set POSTHORN_* variables to talk to another"));
        return found;
    }

    private static Map<String, String> cliEnvironment() {
        Map<String, String> environment = environment();
        return devStack().<Map<String, String>>map(dev -> {
            Map<String, String> merged = new HashMap<>(environment);
            merged.putAll(dev.settings());
            return merged;
        }).orElse(environment);
    }

    private static void notice(String line) {
        (notices != null ? notices : System.err).println(line);
    }

    /** One variable of the process environment (of the test's map, when one is set). */
    static Optional<String> variable(String name) {
        return Optional.ofNullable(environment().get(name));
    }

    /** For tests that run commands in-process. */
    static void overrideForTests(Map<String, String> environment) {
        override = environment;
    }

    /** For tests: where to look for a dev stack (null: the default), and where notices go (null: stderr). */
    static void devStackForTests(Path home, PrintStream noticeStream) {
        devHome = home != null ? home : DevConnection.DEFAULT_HOME;
        notices = noticeStream;
    }

    static Operations operations(ConfigReader config) {
        Clock clock = Clock.systemUTC();
        var outbox = Wiring.outbox(config, false, clock);
        var dataSource = Wiring.dataSource(config);
        String bootstrap = config.string(Settings.KAFKA_BOOTSTRAP);
        String prefix = config.string(Settings.TOPIC_PREFIX);
        config.validate();
        return new Operations(outbox, dataSource, bootstrap, prefix, clock);
    }
}
