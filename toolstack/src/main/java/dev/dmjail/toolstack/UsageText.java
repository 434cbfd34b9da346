package dev.dmjail.toolstack;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * {@code dmjail --help}, rendered by picocli from the whole CLI's model ({@link Main#commandLine()}) at
 * build time (the build's process-classes step runs {@link #main}) and stored in the jar: building the
 * model of all 31 subcommands is ~200 ms of a cold JVM (picocli's reflection over each, run by the
 * interpreter) for a text that changes only with the code (issue 14). Plain text, as picocli prints it
 * when stdout is not a terminal; {@code MainTest} holds the stored text to picocli's own.
 */
final class UsageText {

    static final String RESOURCE = "dmjail-usage.txt";

    private UsageText() {}

    /** What picocli prints for {@code dmjail --help}, without colours. */
    static String render() {
        return Main.commandLine().getUsageMessage(CommandLine.Help.Ansi.OFF);
    }

    /** The text the build stored, or null (a tree built without it: picocli renders it). */
    static String stored() {
        try (InputStream in = UsageText.class.getResourceAsStream(RESOURCE)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    /** Build step: writes the rendered text to {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        Files.createDirectories(out.getParent());
        Files.writeString(out, render(), StandardCharsets.UTF_8);
    }
}
