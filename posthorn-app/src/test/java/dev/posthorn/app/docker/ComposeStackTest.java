package dev.posthorn.app.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.posthorn.app.Main;
import dev.posthorn.signature.SecretCipher;
import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.EmbeddedKafkaBroker;
import dev.posthorn.testkit.EmbeddedPostgresServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * {@code docker compose -f docker/compose.yaml up --build} as far as it can be proven without a
 * Docker engine. The file is read as Compose reads it (merge keys shallow, {@code ${VAR:-default}} and
 * {@code ${VAR:?error}} interpolation), checked where a container runtime would differ from a process
 * (one image build, Kafka's log dir on its volume, ...), and then every Posthorn service in it runs as a
 * process of the executable with exactly its environment and command, started in {@code depends_on}
 * order and honouring each condition, against an embedded Postgres and Kafka that stand in for the
 * {@code postgres} and {@code kafka} services. A subscription is added through the admin API, an event
 * test-fired, and the demo receiver must verify it; then everything stops and starts again on the same
 * data, and the subscription still delivers.
 */
@Tag("integration")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ComposeStackTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z0-9_]+)(?:(:-|:\\?)([^}]*))?}");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The services the embedded servers stand in for. */
    private static final Set<String> INFRASTRUCTURE = Set.of("postgres", "kafka");

    @Test
    void everyServiceComesUpInOrderDeliversAndDeliversAgainAfterARestart() throws Exception {
        Map<String, Object> compose = load(Files.readString(ROOT.resolve("docker/compose.yaml")));
        Map<String, Map<String, Object>> services = services(compose);
        checkWhatOnlyAContainerRuntimeWouldShow(compose, services);

        Map<String, String> shell = Map.of("POSTHORN_SECRET_KEY", SecretCipher.generateKey(),
                "POSTHORN_ADMIN_TOKEN", "compose-test-token");
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.startTemporary();
             EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.startTemporary()) {
            createRole(postgres, "posthorn", interpolate("${POSTGRES_PASSWORD:-posthorn}", shell));
            Stack stack = new Stack(services, shell, postgres, kafka);

            stack.up("first");
            stack.awaitAdmin();
            String receiverUrl = "http://127.0.0.1:" + stack.port("demo-receiver", 9000) + "/webhooks";
            HttpResponse<String> added = stack.admin("POST", "/_webhooks/subscriptions",
                    "{\"topic\":\"compose.*\",\"url\":\"" + receiverUrl + "\"}");
            assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
            String first = stack.testFire("compose.checked");
            Await.until(Duration.ofSeconds(90), "the demo receiver verifies the first event",
                    () -> stack.log("demo-receiver").contains("verified webhook compose.checked event=" + first));

            stack.down();
            kafka.stop(); // the broker restarts on its data, as the kafka service on its volume
            kafka.restart();
            stack.up("second");
            stack.awaitAdmin();
            String second = stack.testFire("compose.checked");
            Await.until(Duration.ofSeconds(90), "the demo receiver verifies an event after the restart",
                    () -> stack.log("demo-receiver").contains("verified webhook compose.checked event=" + second));
            stack.down();
        }
    }

    /** The parts of the file a process harness cannot exercise, checked as Compose and Docker would apply them. */
    @SuppressWarnings("unchecked")
    private static void checkWhatOnlyAContainerRuntimeWouldShow(Map<String, Object> compose,
            Map<String, Map<String, Object>> services) {
        List<String> problems = new ArrayList<>();
        if (!"posthorn".equals(compose.get("name"))) {
            problems.add("a top-level name: posthorn keeps volumes and networks named alike wherever the file is run from");
        }
        List<String> builders = services.entrySet().stream().filter(e -> e.getValue().containsKey("build"))
                .map(Map.Entry::getKey).toList();
        if (builders.size() != 1) {
            problems.add("exactly one service builds the image (parallel builds of one tag are refused), not " + builders);
        }
        services.forEach((name, service) -> {
            if (!INFRASTRUCTURE.contains(name) && !service.containsKey("build") && !"never".equals(service.get("pull_policy"))) {
                problems.add(name + ": uses the built image, so pull_policy: never");
            }
        });
        Map<String, Object> kafka = services.get("kafka");
        Map<String, Object> kafkaEnv = (Map<String, Object>) kafka.getOrDefault("environment", Map.of());
        Object logDirs = kafkaEnv.get("KAFKA_LOG_DIRS");
        List<String> kafkaVolumes = ((List<Object>) kafka.getOrDefault("volumes", List.of())).stream()
                .map(v -> v.toString().substring(v.toString().indexOf(':') + 1)).toList();
        if (logDirs == null || kafkaVolumes.stream().noneMatch(v -> logDirs.toString().startsWith(v))) {
            problems.add("kafka: KAFKA_LOG_DIRS (" + logDirs + ") must lie on its volume " + kafkaVolumes);
        }
        if (!kafkaEnv.containsKey("CLUSTER_ID")) {
            problems.add("kafka: an explicit CLUSTER_ID");
        }
        String kafkaTag = kafka.get("image").toString().replaceAll(".*:", "");
        if (!kafkaTag.equals(AppInfoParser.getVersion())) {
            problems.add("kafka: image " + kafkaTag + " but the project builds against Kafka " + AppInfoParser.getVersion());
        }
        Object pgHealth = ((Map<String, Object>) services.get("postgres").get("healthcheck")).get("test");
        if (!pgHealth.toString().contains("-h 127.0.0.1")) {
            problems.add("postgres: pg_isready over TCP (-h 127.0.0.1): the socket answers during initialisation");
        }
        assertThat(problems).as("docker/compose.yaml").isEmpty();
    }

    /** Posthorn's services as processes, and the stand-ins for the infrastructure services. */
    private static final class Stack {
        private final Map<String, Map<String, Object>> services;
        private final Map<String, String> shell;
        private final EmbeddedPostgresServer postgres;
        private final EmbeddedKafkaBroker kafka;
        private final Path logs;
        /** Each service's own ports (as in a container's network namespace), by container port. */
        private final Map<String, Map<Integer, Integer>> ports = new HashMap<>();
        private final Map<String, Process> running = new LinkedHashMap<>();
        private final Map<String, Path> logOf = new HashMap<>();
        private final HttpClient http = HttpClient.newHttpClient();

        Stack(Map<String, Map<String, Object>> services, Map<String, String> shell, EmbeddedPostgresServer postgres,
                EmbeddedKafkaBroker kafka) throws IOException {
            this.services = services;
            this.shell = shell;
            this.postgres = postgres;
            this.kafka = kafka;
            this.logs = Files.createDirectories(Paths.get("target", "compose-stack"));
        }

        /** Starts every Posthorn service in dependency order, each once its dependencies' conditions hold. */
        void up(String round) throws Exception {
            for (String name : startOrder()) {
                if (INFRASTRUCTURE.contains(name)) {
                    continue; // the embedded servers are up and healthy
                }
                for (Map.Entry<String, String> dependency : dependsOn(name).entrySet()) {
                    awaitCondition(dependency.getKey(), dependency.getValue());
                }
                start(name, round);
            }
        }

        /** SIGTERM to every service, as {@code docker compose down} sends; each must stop within its grace period. */
        @SuppressWarnings("unchecked")
        void down() throws InterruptedException {
            running.values().forEach(Process::destroy);
            for (Map.Entry<String, Process> e : running.entrySet()) {
                Duration grace = parseDuration(String.valueOf(services.get(e.getKey()).getOrDefault("stop_grace_period", "10s")));
                assertThat(e.getValue().waitFor(grace.toMillis(), TimeUnit.MILLISECONDS))
                        .as(e.getKey() + " stops within its stop_grace_period of " + grace).isTrue();
            }
            running.clear();
        }

        int port(String service, int containerPort) {
            return ports.computeIfAbsent(service, s -> new HashMap<>()).computeIfAbsent(containerPort, p -> freePort());
        }

        String log(String service) {
            try {
                return Files.readString(logOf.get(service), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        HttpResponse<String> admin(String method, String path, String body) throws Exception {
            String token = environment("admin").get("POSTHORN_ADMIN_TOKEN");
            HttpRequest.Builder request = HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port("admin", 8080) + path))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + token)
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }

        /** Like a user after {@code up -d}: the admin API answers once it has started. */
        void awaitAdmin() {
            Await.until(Duration.ofSeconds(90), "the admin API answers", () -> {
                requireRunning();
                try {
                    return admin("GET", "/_webhooks/subscriptions", null).statusCode() == 200;
                } catch (IOException e) {
                    return false;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }

        /** A long-running service that exited would restart for ever under compose: here it fails the test. */
        private void requireRunning() {
            running.forEach((name, p) -> {
                Object restart = services.get(name).get("restart");
                if (!p.isAlive() && !"no".equals(restart)) {
                    throw new AssertionError(name + " exited with " + p.exitValue() + " (restart: " + restart
                            + ", so it would restart for ever):\n" + log(name));
                }
            });
        }

        String testFire(String topic) throws Exception {
            HttpResponse<String> fired = admin("POST", "/_webhooks/test-fire", "{\"topic\":\"" + topic + "\"}");
            assertThat(fired.statusCode()).as(fired.body()).isEqualTo(202);
            JsonNode body = JSON.readTree(fired.body());
            return body.get("event_id").asText();
        }

        private void start(String name, String round) throws IOException {
            List<String> command = new ArrayList<>();
            command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(List.of("-Xmx384m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                    Main.class.getName()));
            for (Object arg : commandOf(name)) {
                command.add(arg.toString().equals("9000") ? Integer.toString(port(name, 9000)) : arg.toString());
            }
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().keySet().removeIf(k -> k.startsWith("POSTHORN_"));
            pb.environment().putAll(environment(name));
            Path log = logs.resolve(name + "-" + round + ".log");
            logOf.put(name, log);
            pb.redirectErrorStream(true).redirectOutput(log.toFile());
            running.put(name, pb.start());
        }

        /**
         * The service's environment as its container gets it: the image's ENV, then the service's own,
         * interpolated; host names of the compose network point at the stand-ins, each service has its
         * own ports, and the receivers' pinned addresses in the allow-list are the loopback here.
         */
        @SuppressWarnings("unchecked")
        Map<String, String> environment(String name) {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("POSTHORN_METRICS_PORT", Integer.toString(port(name, 9400))); // the Dockerfile's ENV, own namespace
            ((Map<String, Object>) services.get(name).getOrDefault("environment", Map.of())).forEach((key, value) -> {
                String v = interpolate(String.valueOf(value), shell)
                        .replace("jdbc:postgresql://postgres:5432/app", postgres.jdbcUrl())
                        .replace("kafka:9092", kafka.bootstrapServers());
                env.put(key, v);
            });
            if (env.containsKey("POSTHORN_ADMIN_BIND")) {
                env.put("POSTHORN_ADMIN_PORT", Integer.toString(port(name, 8080)));
            }
            if (env.containsKey("POSTHORN_DELIVERY_ALLOW")) {
                assertThat(cidrContains(env.get("POSTHORN_DELIVERY_ALLOW"), receiverAddress()))
                        .as("the demo receiver's address is in the delivery allow-list").isTrue();
                env.put("POSTHORN_DELIVERY_ALLOW", "loopback");
            }
            return env;
        }

        @SuppressWarnings("unchecked")
        private String receiverAddress() {
            Object networks = services.get("demo-receiver").get("networks");
            Map<String, Object> pinned = networks instanceof Map<?, ?> m ? (Map<String, Object>) m.values().iterator().next() : Map.of();
            return String.valueOf(pinned.get("ipv4_address"));
        }

        @SuppressWarnings("unchecked")
        private List<Object> commandOf(String name) {
            return (List<Object>) services.get(name).get("command");
        }

        @SuppressWarnings("unchecked")
        private Map<String, String> dependsOn(String name) {
            Object deps = services.get(name).get("depends_on");
            Map<String, String> conditions = new LinkedHashMap<>();
            if (deps instanceof List<?> list) {
                list.forEach(d -> conditions.put(d.toString(), "service_started"));
            } else if (deps instanceof Map<?, ?> map) {
                ((Map<String, Object>) map).forEach((d, spec) -> conditions.put(d,
                        String.valueOf(((Map<String, Object>) spec).getOrDefault("condition", "service_started"))));
            }
            return conditions;
        }

        private List<String> startOrder() {
            Set<String> ordered = new LinkedHashSet<>();
            for (String name : services.keySet()) {
                visit(name, ordered, new LinkedHashSet<>());
            }
            return new ArrayList<>(ordered);
        }

        private void visit(String name, Set<String> ordered, Set<String> path) {
            if (ordered.contains(name)) {
                return;
            }
            assertThat(path.add(name)).as("depends_on cycle through " + path).isTrue();
            assertThat(services).as("depends_on names a service that exists").containsKey(name);
            dependsOn(name).keySet().forEach(d -> visit(d, ordered, path));
            ordered.add(name);
        }

        private void awaitCondition(String dependency, String condition) {
            if (INFRASTRUCTURE.contains(dependency)) {
                return;
            }
            switch (condition) {
                case "service_started" -> assertThat(running).as(dependency + " started").containsKey(dependency);
                case "service_completed_successfully" -> Await.until(Duration.ofSeconds(90),
                        dependency + " completes successfully", () -> {
                            Process p = running.get(dependency);
                            if (p != null && !p.isAlive() && p.exitValue() != 0) {
                                throw new AssertionError(dependency + " exited with " + p.exitValue() + ":\n" + log(dependency));
                            }
                            return p != null && !p.isAlive();
                        });
                case "service_healthy" -> Await.until(Duration.ofSeconds(90), dependency + " healthy",
                        () -> healthcheckPasses(dependency));
                default -> throw new AssertionError("unknown depends_on condition " + condition);
            }
        }

        /** The image's HEALTHCHECK ({@code posthorn health}) with the service's environment. */
        private boolean healthcheckPasses(String name) {
            try {
                ProcessBuilder pb = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "health");
                pb.environment().keySet().removeIf(k -> k.startsWith("POSTHORN_"));
                pb.environment().putAll(environment(name));
                pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
                Process p = pb.start();
                return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** Reads the file as Compose does: a map, with {@code <<} merge keys applied shallowly to each service. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> load(String yaml) {
        return (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(yaml);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> services(Map<String, Object> compose) {
        Map<String, Map<String, Object>> services = new LinkedHashMap<>();
        ((Map<String, Object>) compose.get("services")).forEach((name, definition) -> {
            Map<String, Object> own = new LinkedHashMap<>((Map<String, Object>) definition);
            Object merged = own.remove("<<");
            Map<String, Object> service = new LinkedHashMap<>();
            if (merged instanceof Map<?, ?> base) {
                service.putAll((Map<String, Object>) base);
            }
            service.putAll(own); // shallow: a key the service sets replaces the merged one whole
            services.put(name, service);
        });
        return services;
    }

    /** Compose's interpolation: {@code ${VAR}}, {@code ${VAR:-default}}, {@code ${VAR:?error}}. */
    private static String interpolate(String value, Map<String, String> shell) {
        Matcher m = VARIABLE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String set = shell.get(m.group(1));
            String replacement;
            if (set != null && !set.isEmpty()) {
                replacement = set;
            } else if (":-".equals(m.group(2))) {
                replacement = m.group(3);
            } else if (":?".equals(m.group(2))) {
                throw new AssertionError("compose would refuse to start: " + m.group(3));
            } else {
                replacement = "";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static boolean cidrContains(String allowList, String address) {
        for (String entry : allowList.split(",")) {
            String[] parts = entry.trim().split("/");
            try {
                byte[] net = InetAddress.getByName(parts[0]).getAddress();
                byte[] ip = InetAddress.getByName(address).getAddress();
                int bits = parts.length > 1 ? Integer.parseInt(parts[1]) : net.length * 8;
                if (net.length != ip.length) {
                    continue;
                }
                boolean inside = true;
                for (int i = 0; i < bits && inside; i++) {
                    int mask = 0x80 >> (i % 8);
                    inside = (net[i / 8] & mask) == (ip[i / 8] & mask);
                }
                if (inside) {
                    return true;
                }
            } catch (IOException | RuntimeException e) {
                // not an address range
            }
        }
        return false;
    }

    private static void createRole(EmbeddedPostgresServer postgres, String role, String password) throws Exception {
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
             Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + role + " LOGIN SUPERUSER REPLICATION PASSWORD '" + password.replace("'", "''") + "'");
        }
    }

    /** Compose's duration syntax, as far as this file uses it: {@code 30s}, {@code 1m}, {@code 1m30s}. */
    private static Duration parseDuration(String text) {
        Matcher m = Pattern.compile("(?:(\\d+)m)?(?:(\\d+)s)?").matcher(text.trim());
        if (!m.matches() || text.isBlank()) {
            throw new AssertionError("not a compose duration: " + text);
        }
        long minutes = m.group(1) == null ? 0 : Long.parseLong(m.group(1));
        long seconds = m.group(2) == null ? 0 : Long.parseLong(m.group(2));
        return Duration.ofMinutes(minutes).plusSeconds(seconds);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
