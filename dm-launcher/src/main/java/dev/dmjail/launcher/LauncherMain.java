package dev.dmjail.launcher;

/** Placeholder until the launcher lands; see docs/architecture.md. */
public final class LauncherMain {
    private LauncherMain() {}

    public static void main(String[] args) {
        System.err.println("dm-launcher: not implemented yet");
        System.exit(70);
    }
}
