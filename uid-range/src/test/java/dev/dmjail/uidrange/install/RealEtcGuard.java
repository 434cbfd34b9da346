package dev.dmjail.uidrange.install;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Byte snapshot of the machine's real account files, to prove the tests never touched them. */
final class RealEtcGuard {
    static final String[] FILES = {"passwd", "group", "shadow", "gshadow", "subuid", "subgid"};

    private RealEtcGuard() {
    }

    static Map<String, String> snapshot() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String f : FILES) {
            Path p = Path.of("/etc", f);
            out.put(f, Files.exists(p) ? new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1)
                    : null);
        }
        return out;
    }
}
