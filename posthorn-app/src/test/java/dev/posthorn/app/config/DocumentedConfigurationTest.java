package dev.posthorn.app.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The README's configuration table, the compose file and the Dockerfile must agree with the one
 * table in {@link Settings}. There is no Docker engine on the build machines, so this is the check
 * that keeps docker/ honest.
 */
class DocumentedConfigurationTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void readmeShowsExactlyTheConfigurationTable() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        Matcher m = Pattern.compile("<!-- config-table:start -->\\n(.*?)<!-- config-table:end -->", Pattern.DOTALL)
                .matcher(readme);
        assertThat(m.find()).as("README has the config-table markers").isTrue();
        assertThat(m.group(1)).isEqualTo(Settings.markdownTable());
    }

    @Test
    @SuppressWarnings("unchecked")
    void composeSetsOnlyDocumentedKeysAndEveryRequiredOne() throws Exception {
        Map<String, Object> compose = (Map<String, Object>) new Load(LoadSettings.builder().setAllowDuplicateKeys(false)
                .build()).loadFromString(Files.readString(ROOT.resolve("docker/compose.yaml")));
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        Map<String, Setting.Service> posthornServices = Map.of(
                "relay", Setting.Service.RELAY,
                "delivery", Setting.Service.DELIVER,
                "admin", Setting.Service.ADMIN,
                "demo-receiver", Setting.Service.RECEIVER);
        assertThat(services).containsKeys(posthornServices.keySet().toArray(String[]::new));

        List<String> problems = new ArrayList<>();
        posthornServices.forEach((name, service) -> {
            Map<String, Object> definition = (Map<String, Object>) services.get(name);
            Map<String, Object> env = (Map<String, Object>) definition.getOrDefault("environment", Map.of());
            List<String> command = (List<String>) definition.get("command");
            String expectedCommand = service == Setting.Service.DELIVER ? "deliver"
                    : service == Setting.Service.RECEIVER ? "demo-receiver" : name;
            if (command == null || !command.get(0).equals(expectedCommand)) {
                problems.add(name + ": command should start with " + expectedCommand + " but is " + command);
            }
            for (String key : env.keySet()) {
                Setting setting = Settings.find(key).orElse(null);
                if (setting == null) {
                    problems.add(name + ": sets undocumented key " + key);
                } else if (!setting.services().contains(service)) {
                    problems.add(name + ": sets " + key + ", which " + service + " does not read");
                }
            }
            for (Setting setting : Settings.all()) {
                if (setting.required() && setting.services().contains(service) && !env.containsKey(setting.key())) {
                    problems.add(name + ": does not set required key " + setting.key());
                }
            }
        });
        assertThat(problems).isEmpty();
        assertThat(services.get("delivery").toString())
                .as("delivery must be scalable: no container_name, no fixed host port")
                .doesNotContain("container_name").doesNotContain("ports");
        Set<String> pgCommand = Set.copyOf((List<String>) ((Map<String, Object>) services.get("postgres")).get("command"));
        assertThat(pgCommand).contains("wal_level=logical");
    }

    @Test
    void dockerfileBuildsWithTheLaunchersMavenCommandAndRunsAsNonRoot() throws Exception {
        String launcher = Files.readString(ROOT.resolve("posthorn"));
        Matcher build = Pattern.compile("mvn_cmd=\\(\"\\$here/mvnw\" (.*?)\\)").matcher(launcher);
        Matcher goals = Pattern.compile("\"\\$\\{mvn_cmd\\[@]}\" (-q -DskipTests install)").matcher(launcher);
        assertThat(build.find()).isTrue();
        assertThat(goals.find()).isTrue();
        String expected = "./mvnw " + build.group(1) + " " + goals.group(1);

        String dockerfile = Files.readString(ROOT.resolve("docker/Dockerfile"));
        assertThat(dockerfile).containsPattern("(?m)^RUN (--mount=\\S+ )*" + Pattern.quote(expected) + "$");
        assertThat(dockerfile).containsPattern("(?m)^USER posthorn$");
        assertThat(dockerfile).containsPattern("(?m)^HEALTHCHECK .*");
        assertThat(dockerfile).contains("\"health\"");
        assertThat(dockerfile).containsPattern("(?m)^FROM eclipse-temurin:2[1-9]-jre");
    }
}
