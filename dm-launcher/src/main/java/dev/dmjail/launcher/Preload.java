package dev.dmjail.launcher;

import dev.dmjail.launcher.step.Step;
import dev.dmjail.launcher.sys.Sys;

/**
 * Makes sure everything the launcher runs after pivot_root is already loaded: after the pivot the
 * host file system (the classpath jars not yet opened, jffi's native stub in /tmp) is gone. Loads
 * the native bindings (jffi extracts its stub to java.io.tmpdir and deletes it right after loading),
 * the launcher's own classes, and runs each step's {@link Step#preload} (every binding the step
 * calls after the pivot, once, harmlessly), over {@link Launcher#steps()} itself.
 */
final class Preload {
    private Preload() {}

    private static final String[] CLASSES = {
        "dev.dmjail.launcher.LaunchException",
        "dev.dmjail.launcher.Json",
        "dev.dmjail.launcher.step.LaunchContext",
        "dev.dmjail.launcher.step.LaunchContext$OpenFd",
    };

    static void run() {
        Sys.init();
        for (String c : CLASSES) {
            try {
                Class.forName(c, true, Preload.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("preload " + c, e);
            }
        }
        for (Step<?> step : Launcher.steps()) { // loads every step's class and what it calls after the pivot
            step.preload();
        }
        Sys.errno();
        Sys.strerror(Sys.EPERM);
        Json.error(new LaunchException("preload", Sys.EPERM, "x \"y\"\n"));
        Json.stderrLine(new LaunchException("preload", Sys.EPERM, "x"));
        Json.ok(1, java.util.Map.of("x", "y"));
    }
}
