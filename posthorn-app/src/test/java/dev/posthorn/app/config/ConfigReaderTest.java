package dev.posthorn.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigReaderTest {

    @Test
    void reportsEveryProblemAtOnceEachNamingItsKey() {
        ConfigReader reader = ConfigReader.fromEnvironment(Map.of(
                "POSTHORN_EVENTS_PARTITIONS", "many",
                "POSTHORN_DELIVERY_CONNECT_TIMEOUT", "5 parsecs",
                "POSTHORN_KAFKA_BOOTSTRAPS", "x:9092"));
        reader.required(Settings.KAFKA_BOOTSTRAP);
        reader.integer(Settings.EVENTS_PARTITIONS, 1, 10_000);
        reader.duration(Settings.DELIVERY_CONNECT_TIMEOUT);

        assertThatThrownBy(reader::validate)
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> {
                    List<String> problems = ((ConfigException) e).problems();
                    assertThat(problems).hasSize(4);
                    assertThat(problems).anySatisfy(p -> assertThat(p)
                            .startsWith("POSTHORN_KAFKA_BOOTSTRAPS (environment): unknown configuration key")
                            .contains("did you mean POSTHORN_KAFKA_BOOTSTRAP?"));
                    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("POSTHORN_KAFKA_BOOTSTRAP: required"));
                    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("POSTHORN_EVENTS_PARTITIONS: invalid value 'many'"));
                    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("POSTHORN_DELIVERY_CONNECT_TIMEOUT: invalid value"));
                });
    }

    @Test
    void neverEchoesASecretValue() {
        ConfigReader reader = ConfigReader.fromEnvironment(Map.of("POSTHORN_SECRET_KEY", "hunter2-very-secret"));
        reader.parse(Settings.SECRET_KEY, text -> {
            throw new IllegalArgumentException("bad key " + text);
        }, null);
        assertThatThrownBy(reader::validate)
                .hasMessageContaining("POSTHORN_SECRET_KEY")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void defaultsApplyAndRangesAreChecked() {
        ConfigReader reader = ConfigReader.fromEnvironment(Map.of("POSTHORN_EVENTS_PARTITIONS", "0"));
        assertThat(reader.string(Settings.TOPIC_PREFIX)).isEqualTo("posthorn");
        assertThat(reader.durations(Settings.DELIVERY_RETRY_SCHEDULE)).containsExactly(
                Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofMinutes(10),
                Duration.ofHours(1), Duration.ofHours(6));
        reader.integer(Settings.EVENTS_PARTITIONS, 1, 10_000);
        assertThatThrownBy(reader::validate).hasMessageContaining("POSTHORN_EVENTS_PARTITIONS: invalid value '0': must be between 1 and 10000");
    }

    @Test
    void propertiesFileIsReadAndEnvironmentWins(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("posthorn.properties");
        Files.writeString(file, "POSTHORN_TOPIC_PREFIX=fromfile\nPOSTHORN_RELAY_SLOT=slot_a\nPOSTHORN_TYPO=1\n");
        ConfigReader reader = ConfigReader.fromEnvironment(Map.of(
                "POSTHORN_CONFIG_FILE", file.toString(), "POSTHORN_RELAY_SLOT", "slot_b"));
        assertThat(reader.string(Settings.TOPIC_PREFIX)).isEqualTo("fromfile");
        assertThat(reader.string(Settings.RELAY_SLOT)).isEqualTo("slot_b");
        assertThatThrownBy(reader::validate).hasMessageContaining("POSTHORN_TYPO (" + file + "): unknown configuration key");
    }

    @Test
    void parsesDurations() {
        assertThat(ConfigReader.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(ConfigReader.parseDuration("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(ConfigReader.parseDuration("PT5S")).isEqualTo(Duration.ofSeconds(5));
        assertThatThrownBy(() -> ConfigReader.parseDuration("5 parsecs")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sizesTakeBinaryUnitsAndABadOneNamesTheKey() {
        assertThat(ConfigReader.parseBytes("1GiB")).isEqualTo(1L << 30);
        assertThat(ConfigReader.parseBytes("512MiB")).isEqualTo(512L << 20);
        assertThat(ConfigReader.parseBytes("4096")).isEqualTo(4096);
        assertThat(ConfigReader.fromEnvironment(Map.of()).bytes(Settings.RELAY_SLOT_WAL_WARNING))
                .as("default").isEqualTo(1L << 30);

        ConfigReader reader = ConfigReader.fromEnvironment(Map.of("POSTHORN_RELAY_SLOT_WAL_WARNING", "2GB"));
        reader.bytes(Settings.RELAY_SLOT_WAL_WARNING);
        assertThatThrownBy(reader::validate).isInstanceOf(ConfigException.class)
                .hasMessageContaining("POSTHORN_RELAY_SLOT_WAL_WARNING: invalid value '2GB': unknown unit");
    }
}
