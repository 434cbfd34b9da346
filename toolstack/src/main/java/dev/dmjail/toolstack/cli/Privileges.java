package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Commands that change the host need root (cgroups, namespaces, the uid switch). */
final class Privileges {
    private Privileges() {}

    static void requireRoot(String command) throws DmjailException {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("Uid:") && l.substring(4).trim().split("\\s+")[1].equals("0")) {
                    return;
                }
            }
        } catch (IOException e) {
            // fall through
        }
        throw new DmjailException(ExitCodes.NOT_ROOT, command + ": must run as root");
    }
}
