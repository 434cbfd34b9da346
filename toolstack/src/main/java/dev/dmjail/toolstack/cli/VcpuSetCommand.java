package dev.dmjail.toolstack.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.lifecycle.VcpuHotplug;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.text.Printable;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail vcpu-set NAME|DOMID COUNT}: xl vcpu-set by vCPU hotplug. */
@Command(name = "vcpu-set", mixinStandardHelpOptions = true,
        description = "Set the number of a running domain's vCPUs, as xl vcpu-set does: QEMU plugs or unplugs vCPUs (ACPI "
                + "CPU hotplug), from 1 up to the domain's maxvcpus (its -smp maxcpus). A new vCPU is for the guest to bring "
                + "online (Linux: udev, or echo 1 > /sys/devices/system/cpu/cpuN/online); unplugging waits at most 30 s "
                + "for the guest to release it.")
public final class VcpuSetCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "NAME|DOMID")
    String domain;

    @Parameters(index = "1", paramLabel = "COUNT")
    String count;

    @Override
    public Integer call() throws DmjailException {
        Privileges.requireRoot("vcpu-set");
        if (!count.matches("[0-9]{1,4}") || Integer.parseInt(count) < 1) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "vcpu-set: invalid vcpu count: " + Printable.line(count));
        }
        int want = Integer.parseInt(count);
        Toolstack ts = main.toolstack();
        DomainRecord r = DomainTarget.find(ts, "vcpu-set", domain);
        DomainTarget.requireRunning(ts, "vcpu-set", r);
        int max = maxcpus(r);
        if (want > max) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "vcpu-set: " + r.name() + " can have at most " + max
                    + " vCPUs (its maxvcpus)");
        }
        int now;
        try {
            now = VcpuHotplug.set(ts.store().paths(r).qmpSocket(), want, ts.policy().qmpTimeoutMillis());
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, "vcpu-set: " + Printable.line(String.valueOf(e.getMessage())));
        }
        try {
            int n = now;
            ts.store().<Void, IOException>locked(() -> {
                var cur = ts.store().reread(r);
                if (cur.isPresent()) {
                    ts.store().write(cur.get().withVcpus(n));
                }
                return null;
            });
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, "vcpu-set: done, but recording it failed: " + e.getMessage());
        }
        return ExitCodes.OK;
    }

    /** maxcpus of the stored argv's -smp (xl's maxvcpus). */
    static int maxcpus(DomainRecord r) {
        JsonNode argv = r.plan().path("argv");
        for (int i = 0; i + 1 < argv.size(); i++) {
            if (argv.get(i).asText().equals("-smp")) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("maxcpus=([0-9]+)").matcher(argv.get(i + 1).asText());
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            }
        }
        return r.vcpus();
    }
}
