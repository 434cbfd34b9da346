package dev.dmjail.uidrange.install;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Minimal command line over {@link HostInstaller}, used by the tests (inside a private mount
 * namespace with a throwaway /etc) and handy for debugging; the real CLI is {@code dmjail host ...}.
 * <pre>
 * HostInstallerMain install|check|uninstall [--base N] [--shared] [--reaper] [--reaper-name NAME]
 *     [--manifest PATH] [--root DIR] [--tool-dir DIR] [--backend auto|tools|files] [--json]
 * </pre>
 * Exit status: the report's exitCode() (check: 0 OK, 1 BROKEN, 2 NOT_INSTALLED); 64 on bad usage.
 */
public final class HostInstallerMain {
    private HostInstallerMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        if (args.length == 0) {
            return usage("missing command");
        }
        InstallOptions o = InstallOptions.defaults();
        boolean json = false;
        try {
            for (int i = 1; i < args.length; i++) {
                switch (args[i]) {
                    case "--base" -> o = o.withBaseUid(Long.parseLong(args[++i]));
                    case "--shared" -> o = o.withShared(true);
                    case "--reaper" -> o = o.withReaper(true);
                    case "--reaper-name" -> o = o.withReaperName(args[++i]);
                    case "--manifest" -> o = o.withManifestPath(Path.of(args[++i]));
                    case "--root" -> o = o.withRoot(Path.of(args[++i]));
                    case "--tool-dir" -> o = o.withToolDir(Path.of(args[++i]));
                    case "--backend" -> o = o.withBackend(backend(args[++i]));
                    case "--json" -> json = true;
                    default -> {
                        return usage("unknown option " + args[i]);
                    }
                }
            }
        } catch (ArrayIndexOutOfBoundsException | IllegalArgumentException e) {
            return usage("bad option value: " + e.getMessage());
        }
        HostInstaller installer = new HostInstaller();
        return switch (args[0]) {
            case "install" -> {
                InstallReport r = installer.install(o);
                yield print(r, json, r.exitCode());
            }
            case "check" -> {
                CheckReport r = installer.check(o);
                yield print(r, json, r.exitCode());
            }
            case "uninstall" -> {
                UninstallReport r = installer.uninstall(o);
                yield print(r, json, r.exitCode());
            }
            default -> usage("unknown command " + args[0]);
        };
    }

    private static int print(Object report, boolean json, int code) {
        System.out.println(json ? Reports.toJson(report) : text(report));
        return code;
    }

    private static String text(Object report) {
        if (report instanceof InstallReport r) {
            return r.toText();
        }
        if (report instanceof CheckReport r) {
            return r.toText();
        }
        return ((UninstallReport) report).toText();
    }

    private static InstallOptions.Backend backend(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "auto" -> InstallOptions.Backend.AUTO;
            case "tools", "shadow-tools" -> InstallOptions.Backend.SHADOW_TOOLS;
            case "files" -> InstallOptions.Backend.FILES;
            default -> throw new IllegalArgumentException("backend " + s);
        };
    }

    private static int usage(String why) {
        System.err.println("HostInstallerMain: " + why + "\nusage: HostInstallerMain install|check|uninstall"
                + " [--base N] [--shared] [--reaper] [--reaper-name NAME] [--manifest PATH] [--root DIR]"
                + " [--tool-dir DIR] [--backend auto|tools|files] [--json]");
        return 64;
    }
}
