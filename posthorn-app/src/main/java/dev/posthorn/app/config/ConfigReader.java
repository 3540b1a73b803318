package dev.posthorn.app.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;

/**
 * Reads typed values for one service from the environment (and an optional properties file), and
 * collects every problem so that {@link #validate()} reports them all at once, each naming its key.
 * Secret values never appear in a message.
 */
public final class ConfigReader {

    private final Map<String, String> values;
    private final Map<String, String> origin;
    private final List<String> problems = new ArrayList<>();

    private ConfigReader(Map<String, String> values, Map<String, String> origin) {
        this.values = values;
        this.origin = origin;
    }

    /** Properties file (when {@code POSTHORN_CONFIG_FILE} names one) overlaid with the environment. */
    public static ConfigReader fromEnvironment(Map<String, String> environment) {
        Map<String, String> values = new HashMap<>();
        Map<String, String> origin = new HashMap<>();
        List<String> problems = new ArrayList<>();
        String file = environment.get(Settings.CONFIG_FILE);
        if (file != null && !file.isBlank()) {
            Properties props = new Properties();
            try (Reader reader = Files.newBufferedReader(Path.of(file))) {
                props.load(reader);
                for (String name : props.stringPropertyNames()) {
                    values.put(name, props.getProperty(name).trim());
                    origin.put(name, file);
                }
            } catch (IOException e) {
                problems.add(Settings.CONFIG_FILE + ": cannot read " + file + " (" + e.getMessage() + ")");
            }
        }
        environment.forEach((name, value) -> {
            if (name.startsWith("POSTHORN_")) {
                values.put(name, value.trim());
                origin.put(name, "environment");
            }
        });
        ConfigReader reader = new ConfigReader(values, origin);
        reader.problems.addAll(problems);
        for (String name : values.keySet()) {
            if (Settings.find(name).isEmpty()) {
                reader.problems.add(name + " (" + origin.get(name) + "): unknown configuration key"
                        + suggestion(name).map(s -> "; did you mean " + s + "?").orElse(""));
            }
        }
        return reader;
    }

    private static Optional<String> suggestion(String unknown) {
        return DidYouMean.closest(unknown, Settings.all().stream().map(Setting::key).toList(), 4);
    }

    /** The raw values as read (for handing the same environment to an embedded stack). */
    public Map<String, String> values() {
        return Map.copyOf(values);
    }

    /** A copy with some values set in code (dev mode); they win over the environment. */
    public ConfigReader with(Map<String, String> overrides) {
        Map<String, String> merged = new HashMap<>(values);
        Map<String, String> mergedOrigin = new HashMap<>(origin);
        overrides.forEach((k, v) -> {
            merged.put(k, v);
            mergedOrigin.put(k, "dev mode");
        });
        ConfigReader copy = new ConfigReader(merged, mergedOrigin);
        copy.problems.addAll(problems);
        return copy;
    }

    private Setting setting(String key) {
        return Settings.find(key).orElseThrow(() -> new IllegalArgumentException("not in the table: " + key));
    }

    private Optional<String> raw(String key) {
        Setting setting = setting(key);
        String value = values.get(key);
        if (value == null || value.isEmpty()) {
            value = setting.defaultValue();
        }
        return Optional.ofNullable(value);
    }

    private String describe(String key) {
        return setting(key).secret() ? "(value hidden)" : "'" + values.get(key) + "'";
    }

    /** A value that must be present (set, or defaulted). */
    public String required(String key) {
        Optional<String> value = raw(key);
        if (value.isEmpty() || value.get().isBlank()) {
            problems.add(key + ": required, not set (" + setting(key).description() + ")");
            return "";
        }
        return value.get();
    }

    public Optional<String> optional(String key) {
        return raw(key).filter(v -> !v.isBlank());
    }

    public String string(String key) {
        return raw(key).orElse("");
    }

    public int integer(String key, int min, int max) {
        return parse(key, text -> {
            int value = Integer.parseInt(text);
            if (value < min || value > max) {
                throw new IllegalArgumentException("must be between " + min + " and " + max);
            }
            return value;
        }, min);
    }

    /** {@code true} or {@code false} (any case). */
    public boolean bool(String key) {
        return parse(key, text -> switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("must be true or false");
        }, false);
    }

    public Duration duration(String key) {
        return parse(key, ConfigReader::parseDuration, Duration.ZERO);
    }

    /** A size such as {@code 512MiB}, {@code 1GiB} or {@code 1048576} (bytes); at least 1 byte. */
    public long bytes(String key) {
        return parse(key, ConfigReader::parseBytes, 1L);
    }

    /** Accepts a number of bytes, optionally with a unit: {@code B}, {@code KiB}, {@code MiB}, {@code GiB}, {@code TiB}. */
    public static long parseBytes(String text) {
        String t = text.trim();
        int unitStart = 0;
        while (unitStart < t.length() && Character.isDigit(t.charAt(unitStart))) {
            unitStart++;
        }
        if (unitStart == 0) {
            throw new IllegalArgumentException("expected a size like 512MiB, 1GiB or a number of bytes");
        }
        long amount = Long.parseLong(t.substring(0, unitStart));
        int shift = switch (t.substring(unitStart).trim()) {
            case "", "B" -> 0;
            case "KiB" -> 10;
            case "MiB" -> 20;
            case "GiB" -> 30;
            case "TiB" -> 40;
            default -> throw new IllegalArgumentException("unknown unit in '" + text + "': use B, KiB, MiB, GiB or TiB");
        };
        if (amount < 1 || amount > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("must be at least 1 byte and fit in 8 EiB");
        }
        return amount << shift;
    }

    public List<Duration> durations(String key) {
        return parse(key, text -> {
            List<Duration> out = new ArrayList<>();
            for (String part : text.split(",")) {
                out.add(parseDuration(part.trim()));
            }
            return Collections.unmodifiableList(out);
        }, List.of());
    }

    public <T> T parse(String key, Function<String, T> parser, T fallback) {
        Optional<String> value = raw(key);
        if (value.isEmpty() || value.get().isBlank()) {
            problems.add(key + ": required, not set");
            return fallback;
        }
        try {
            return parser.apply(value.get());
        } catch (RuntimeException e) {
            String why = setting(key).secret() ? "cannot be parsed" : String.valueOf(e.getMessage());
            problems.add(key + ": invalid value " + describe(key) + ": " + why);
            return fallback;
        }
    }

    /** Records a problem found by a service's own validation; the message must name the key. */
    public void problem(String message) {
        problems.add(message);
    }

    /** Throws with every problem found so far, if there is any. */
    public void validate() {
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    /** Accepts {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code 7d}, or ISO-8601 ({@code PT5S}). */
    public static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase();
        if (t.startsWith("p")) {
            return Duration.parse(text.trim().toUpperCase());
        }
        int unitStart = 0;
        while (unitStart < t.length() && Character.isDigit(t.charAt(unitStart))) {
            unitStart++;
        }
        if (unitStart == 0) {
            throw new IllegalArgumentException("expected a duration like 250ms, 5s, 2m, 1h or 7d");
        }
        long amount = Long.parseLong(t.substring(0, unitStart));
        return switch (t.substring(unitStart)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            case "d" -> Duration.ofDays(amount);
            default -> throw new IllegalArgumentException("unknown unit in '" + text + "': use ms, s, m, h or d");
        };
    }
}
