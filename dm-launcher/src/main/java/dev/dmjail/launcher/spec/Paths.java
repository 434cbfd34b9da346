package dev.dmjail.launcher.spec;

import java.nio.file.Path;

/** The path shapes the sections' rules share. */
final class Paths {
    private Paths() {}

    static boolean absolute(String p) {
        return p != null && p.startsWith("/");
    }

    /** Absolute, not "/", and normalized (no "..", ".", "//" or trailing slash). */
    static boolean absoluteNormalBelowRoot(String p) {
        return absolute(p) && !p.equals("/") && Path.of(p).normalize().toString().equals(p);
    }
}
