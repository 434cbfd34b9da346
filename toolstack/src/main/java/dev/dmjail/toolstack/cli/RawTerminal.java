package dev.dmjail.toolstack.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The controlling terminal in raw mode for an interactive console session, restored on close and,
 * should the JVM be ended by a signal (SIGTERM, SIGHUP, SIGINT sent by kill: in raw mode Ctrl-C is
 * just a byte for the guest), by a shutdown hook. stty(1) acts on its stdin, which is inherited: the
 * terminal itself. The saved state is stty's own {@code -g} form.
 */
final class RawTerminal implements AutoCloseable {

    private final String saved;
    private final Thread hook;
    private boolean restored;

    private RawTerminal(String saved) {
        this.saved = saved;
        this.hook = new Thread(this::restore, "dmjail-console-restore");
    }

    static RawTerminal enter() throws IOException {
        String saved = stty("-g").trim();
        if (!saved.matches("[0-9a-fA-F:]{1,1024}")) {
            throw new IOException("stty -g printed an unexpected state");
        }
        RawTerminal t = new RawTerminal(saved);
        Runtime.getRuntime().addShutdownHook(t.hook);
        stty("raw", "-echo");
        return t;
    }

    synchronized void restore() {
        if (!restored) {
            restored = true;
            try {
                stty(saved);
            } catch (IOException e) {
                // nothing better to do: the terminal stays raw (`reset` recovers it)
            }
        }
    }

    @Override
    public void close() {
        restore();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs (and finds the terminal restored)
        }
    }

    private static String stty(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("stty"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readNBytes(4096), StandardCharsets.US_ASCII);
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("stty " + String.join(" ", args) + " failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        return out;
    }
}
