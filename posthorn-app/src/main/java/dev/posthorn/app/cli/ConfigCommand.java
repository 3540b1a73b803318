package dev.posthorn.app.cli;

import dev.posthorn.app.config.Settings;
import picocli.CommandLine.Command;

@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Print the configuration table (environment variables or properties-file keys).")
public final class ConfigCommand implements Runnable {

    @Override
    public void run() {
        System.out.print(Settings.markdownTable());
    }
}
