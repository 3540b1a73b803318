package dev.posthorn.app.dev;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * How to reach a running dev stack: the {@code POSTHORN_*} settings it runs with and its health URL,
 * kept in {@code <home>/connection.properties} (owner-only, like {@code secret.key} beside it) while
 * {@code posthorn dev} runs. CLI commands given no {@code POSTHORN_*} setting read it, so the README's
 * operate commands work against {@code ./posthorn dev} with no setup.
 *
 * @param home the dev stack's data directory
 * @param settings the {@code POSTHORN_*} values the CLI needs (database, Kafka, secret key, prefixes)
 * @param healthUrl the stack's {@code /health}
 * @param pid the process running the stack
 */
public record DevConnection(Path home, Map<String, String> settings, String healthUrl, long pid) {

    /** Where {@code posthorn dev} keeps its data unless told otherwise ({@code --home}). */
    public static final Path DEFAULT_HOME = Path.of(".posthorn", "dev");

    static final String FILE = "connection.properties";
    private static final String HEALTH_URL = "dev.health_url";
    private static final String PID = "dev.pid";

    public DevConnection {
        settings = Map.copyOf(settings);
    }

    public static Path file(Path home) {
        return home.resolve(FILE);
    }

    /** Whether the process that wrote the file is still alive (a killed stack leaves the file behind). */
    public boolean running() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** The file of the stack at {@code home}, if there is one. */
    public static Optional<DevConnection> read(Path home) {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file(home), StandardCharsets.UTF_8)) {
            props.load(reader);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file(home) + ": " + e, e);
        }
        Map<String, String> settings = new TreeMap<>();
        for (String name : props.stringPropertyNames()) {
            if (name.startsWith("POSTHORN_")) {
                settings.put(name, props.getProperty(name));
            }
        }
        long pid;
        try {
            pid = Long.parseLong(props.getProperty(PID, "").trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException(file(home) + ": " + PID + " is missing or not a number; stop and restart"
                    + " `posthorn dev`, or delete the file", e);
        }
        return Optional.of(new DevConnection(home, settings, props.getProperty(HEALTH_URL, ""), pid));
    }

    /** Writes the file readable by its owner only, replacing any earlier one whole. */
    void write() throws IOException {
        Files.createDirectories(home);
        Properties props = new Properties();
        settings.forEach(props::setProperty);
        props.setProperty(HEALTH_URL, healthUrl);
        props.setProperty(PID, Long.toString(pid));
        Path temp = home.resolve(FILE + ".tmp");
        Files.deleteIfExists(temp);
        Files.createFile(temp);
        ownerOnly(temp);
        try (Writer writer = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
            props.store(writer, "posthorn dev: how to reach the running dev stack (owner-only: holds the secret key)");
        }
        Files.move(temp, file(home), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Removes the file, if it is still this process's (a newer stack on the same home keeps its own). */
    void deleteIfOurs() {
        try {
            if (read(home).filter(c -> c.pid() == pid).isPresent()) {
                Files.deleteIfExists(file(home));
            }
        } catch (IOException | RuntimeException e) {
            // Best effort: a file left behind names a dead pid, and the CLI says so.
        }
    }

    static void ownerOnly(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system (Windows): the file stays as private as the user's profile.
        }
    }

    /**
     * Shell lines that point other tools (and a CLI in another directory) at this stack. The secret
     * key is read from its file rather than printed.
     */
    public String exportBlock(Path secretKeyFile) {
        StringBuilder out = new StringBuilder("export");
        new TreeMap<>(settings).forEach((name, value) -> {
            out.append(" \\\n    ").append(name).append('=');
            if (name.equals("POSTHORN_SECRET_KEY")) {
                out.append("\"$(cat ").append(shellQuote(secretKeyFile.toString())).append(")\"");
            } else {
                out.append(shellQuote(value));
            }
        });
        return out.toString();
    }

    static String shellQuote(String value) {
        if (value.matches("[A-Za-z0-9_./:@%+=,-]+")) {
            return value;
        }
        return "'" + value.replace("'", "'\\''") + "'";
    }
}
