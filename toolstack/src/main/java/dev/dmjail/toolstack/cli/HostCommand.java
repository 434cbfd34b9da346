package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.uidrange.install.CheckReport;
import dev.dmjail.uidrange.install.HostInstaller;
import dev.dmjail.uidrange.install.InstallOptions;
import dev.dmjail.uidrange.install.InstallReport;
import dev.dmjail.uidrange.install.Reports;
import dev.dmjail.uidrange.install.UninstallReport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dmjail host install|check|uninstall}: the uid range, as Xen's qemu-deprivilege doc describes it. */
@Command(name = "host", mixinStandardHelpOptions = true,
        description = "Provision, check or remove the device-model uid range (xen-qemuuser-range-base and friends).",
        subcommands = {HostCommand.Install.class, HostCommand.Check.class, HostCommand.Uninstall.class})
public final class HostCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: install, check or uninstall");
    }

    /** Options shared by the three subcommands. */
    static final class RangeOptions {
        @Option(names = "--base", paramLabel = "UID", description = "first uid of the range (default: ${DEFAULT-VALUE})",
                defaultValue = "65536")
        long base;

        @Option(names = "--shared", description = "also create xen-qemuuser-shared (the less-secure fallback)")
        boolean shared;

        @Option(names = "--reaper", description = "also create a reaper user for kill-by-uid")
        boolean reaper;

        @Option(names = "--manifest", paramLabel = "FILE", description = "record of what install created (default: ${DEFAULT-VALUE})",
                defaultValue = "/var/lib/dmjail/host-install.json")
        Path manifest;

        @Option(names = "--json", description = "print the report as JSON")
        boolean json;

        InstallOptions options() {
            return InstallOptions.defaults().withBaseUid(base).withShared(shared).withReaper(reaper).withManifestPath(manifest);
        }
    }

    static int print(picocli.CommandLine.Model.CommandSpec spec, boolean json, Object report, String text) {
        spec.commandLine().getOut().println(json ? Reports.toJson(report) : text);
        return 0;
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = "Create the range base user at --base (and optionally the shared and reaper users), after "
                    + "checking that no user, group or /etc/subuid|subgid range overlaps [base, base+32752). Idempotent.")
    static final class Install implements Callable<Integer> {
        @Mixin RangeOptions o;
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws DmjailException {
            Privileges.requireRoot("host install");
            InstallReport r = new HostInstaller().install(o.options());
            print(spec, o.json, r, r.toText());
            return r.exitCode() == 0 ? ExitCodes.OK : ExitCodes.FAILED;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Report what is provisioned and what is wrong. Exit 0 when the range is usable, 5 otherwise.")
    static final class Check implements Callable<Integer> {
        @Mixin RangeOptions o;
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            CheckReport r = new HostInstaller().check(o.options());
            print(spec, o.json, r, r.toText());
            return r.exitCode() == 0 ? ExitCodes.OK : ExitCodes.HOST_NOT_READY;
        }
    }

    @Command(name = "uninstall", mixinStandardHelpOptions = true,
            description = "Remove exactly what install created (per its manifest), nothing else.")
    static final class Uninstall implements Callable<Integer> {
        @Mixin RangeOptions o;
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws DmjailException {
            Privileges.requireRoot("host uninstall");
            UninstallReport r = new HostInstaller().uninstall(o.options());
            print(spec, o.json, r, r.toText());
            return r.exitCode() == 0 ? ExitCodes.OK : ExitCodes.FAILED;
        }
    }
}
