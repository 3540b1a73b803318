package dev.posthorn.app.cli;

import dev.posthorn.app.config.ConfigReader;
import dev.posthorn.app.config.Settings;
import dev.posthorn.app.config.Wiring;
import dev.posthorn.app.ops.Operations;
import java.time.Clock;
import java.util.Map;

/** The process environment, read once per command. Tests substitute their own map. */
final class Environment {

    private static volatile Map<String, String> override;

    private Environment() {}

    static ConfigReader read() {
        return ConfigReader.fromEnvironment(override != null ? override : System.getenv());
    }

    /** One variable of the process environment (of the test's map, when one is set). */
    static java.util.Optional<String> variable(String name) {
        return java.util.Optional.ofNullable((override != null ? override : System.getenv()).get(name));
    }

    /** For tests that run commands in-process. */
    static void overrideForTests(Map<String, String> environment) {
        override = environment;
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
