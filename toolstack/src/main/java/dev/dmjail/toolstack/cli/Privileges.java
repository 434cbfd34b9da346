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
        if (!isRoot()) {
            throw new DmjailException(ExitCodes.NOT_ROOT, command + ": must run as root");
        }
    }

    /** The effective uid is 0. */
    static boolean isRoot() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("Uid:")) {
                    return l.substring(4).trim().split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return false;
    }
}
