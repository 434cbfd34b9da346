package dev.dmjail.config;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Debian's real xl (Xen 4.17) as {@code xl -N create FILE [key=value…]} with the fakexen.so
 * LD_PRELOAD shim (src/test/native/fakexen.c, compiled here with gcc into target/) so it parses
 * the config and prints libxl's JSON without a hypervisor.
 */
final class RealXl {
    static final Path XL = Path.of("/usr/lib/xen-4.17/bin/xl");
    static final Path SHIM_SRC = Path.of("src/test/native/fakexen.c");
    static final Path SHIM = Path.of("target/fakexen.so");

    record Result(int exit, String stdout, String stderr) { }

    private RealXl() { }

    /** Fails (never skips) when xl, its headers or gcc are missing. */
    static synchronized void ensureReady() throws IOException, InterruptedException {
        if (!Files.isExecutable(XL)) {
            fail(XL + " not found: the xl parity test needs Xen 4.17's xl; run bin/install-deps (xen-utils-4.17, libxen-dev, gcc)");
        }
        if (!Files.exists(Path.of("/usr/include/xenctrl.h"))) {
            fail("/usr/include/xenctrl.h not found: run bin/install-deps (libxen-dev)");
        }
        if (Files.exists(SHIM) && Files.getLastModifiedTime(SHIM).compareTo(Files.getLastModifiedTime(SHIM_SRC)) >= 0) {
            return;
        }
        Files.createDirectories(SHIM.getParent());
        Result r = run(List.of("gcc", "-shared", "-fPIC", "-O", "-Wall", "-o", SHIM.toString(), SHIM_SRC.toString()), false);
        if (r.exit() != 0) fail("building " + SHIM + " failed (run bin/install-deps for gcc/libxen-dev):\n" + r.stderr());
    }

    static Result create(Path cfg, List<String> overrides) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(XL.toString(), "-N", "create", cfg.toString()));
        cmd.addAll(overrides);
        return run(cmd, true);
    }

    private static Result run(List<String> cmd, boolean preload) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (preload) pb.environment().put("LD_PRELOAD", SHIM.toAbsolutePath().toString());
        Path out = Files.createTempFile("xl-out", ".txt");
        Path err = Files.createTempFile("xl-err", ".txt");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                fail("cannot run " + cmd.get(0) + ": " + e.getMessage() + " (run bin/install-deps)");
                throw e;
            }
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", cmd) + " timed out");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
