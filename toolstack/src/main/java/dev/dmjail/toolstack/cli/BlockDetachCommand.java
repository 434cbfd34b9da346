package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.lifecycle.DiskHotplug;
import dev.dmjail.toolstack.text.Printable;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail block-detach NAME|DOMID VDEV}: xl block-detach of a disk block-attach added. */
@Command(name = "block-detach", mixinStandardHelpOptions = true,
        description = "Detach a disk that block-attach added to a running domain, as xl block-detach does: the guest is "
                + "asked to release it (ACPI PCI hot-unplug; waits at most 30 s), then the device model closes the image. "
                + "Disks a domain was created with stay until destroy.")
public final class BlockDetachCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "NAME|DOMID")
    String domain;

    @Parameters(index = "1", paramLabel = "VDEV")
    String vdev;

    @Override
    public Integer call() throws DmjailException {
        Privileges.requireRoot("block-detach");
        Toolstack ts = main.toolstack();
        DomainTarget.change(ts, "block-detach", domain, r -> {
            if (!DiskHotplug.attached(r).contains(vdev)) {
                throw new DmjailException(ExitCodes.BAD_CONFIG, "block-detach: " + r.name() + " has no disk "
                        + Printable.line(vdev) + " attached by block-attach"
                        + (DiskHotplug.vdevs(r).contains(vdev) ? " (it was created with it; it stays until destroy)" : ""));
            }
            DiskHotplug.detach(ts.store(), r, vdev, ts.policy().qmpTimeoutMillis());
        });
        return ExitCodes.OK;
    }
}
