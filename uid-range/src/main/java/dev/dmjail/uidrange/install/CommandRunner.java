package dev.dmjail.uidrange.install;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Runs a command to completion, without a shell; non-zero exit is an IOException with its stderr. */
public class CommandRunner {
    /** @return the command's combined output lines (warnings such as useradd's SYS_UID_MAX notice) */
    public List<String> run(List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("LC_ALL", "C");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc;
        try {
            rc = p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + command, e);
        }
        if (rc != 0) {
            throw new IOException(String.join(" ", command) + " failed (exit " + rc + "): " + out.strip());
        }
        List<String> lines = new ArrayList<>();
        out.lines().filter(l -> !l.isBlank()).forEach(lines::add);
        return lines;
    }
}
