package dev.dmjail.toolstack.cli;

import dev.dmjail.config.DiskSpec;
import dev.dmjail.config.XlConfigLoader;
import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.lifecycle.DiskHotplug;
import dev.dmjail.toolstack.plan.PlanFailure;
import dev.dmjail.toolstack.plan.ResolvedDisk;
import dev.dmjail.toolstack.text.Printable;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail block-attach NAME|DOMID DISKSPEC...}: xl block-attach, the image opened by the privileged side. */
@Command(name = "block-attach", mixinStandardHelpOptions = true,
        description = {"Attach a disk to a running domain, as xl block-attach does: DISKSPEC is an xl disk spec "
                + "(xl-disk-configuration(5); several arguments are joined with commas), admitted as a disk of a domain "
                + "config is (image_dirs, one hard link, unused block devices), opened by dmjail and handed to the device "
                + "model as fds; the guest gets a virtio disk (PCI hotplug).",
                "A qcow2 image's backing chain is resolved and opened by dmjail as at create (each image admitted, its "
                        + "format recorded, never probed) and given to QEMU as nodes, never as the names in the images.",
                "IDE vdevs and cdroms cannot be attached (use cd-insert for a cdrom), nor a writable image larger than "
                        + "the device model's RLIMIT_FSIZE."})
public final class BlockAttachCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "NAME|DOMID")
    String domain;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "DISKSPEC")
    List<String> spec;

    @Override
    public Integer call() throws DmjailException {
        Privileges.requireRoot("block-attach");
        Toolstack ts = main.toolstack();
        DiskSpec d;
        try {
            d = XlConfigLoader.parseDiskSpec(String.join(",", spec));
        } catch (IllegalArgumentException e) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "block-attach: " + Printable.line(e.getMessage()));
        }
        DomainTarget.change(ts, "block-attach", domain, r -> {
            if (d.cdrom()) {
                throw refuse("a cdrom is changed with cd-insert, not attached");
            }
            if (DiskHotplug.vdevs(r).contains(d.vdev())) {
                throw refuse(r.name() + " already has a disk " + Printable.line(d.vdev()));
            }
            ResolvedDisk disk;
            try {
                disk = ts.planner().resolveHotplug(r.key(), d);
            } catch (PlanFailure e) {
                throw refuse(e.getMessage());
            }
            if (disk.ideIndex() >= 0) {
                throw refuse(disk.vdev() + ": an IDE disk cannot be hot-plugged (QEMU's IDE bus has no hotplug); "
                        + "use a virtio vdev (xvde and up, vd*)");
            }
            if (!DiskHotplug.nodeNamesFit(disk)) {
                throw refuse(disk.vdev() + ": vdev too long for QEMU's node names of its backing chain");
            }
            long fsize = DiskHotplug.fileSizeLimit(r);
            if (disk.writable() && fsize >= 0 && disk.sizeBytes() > fsize) {
                throw refuse(disk.vdev() + ": the image can grow to " + disk.sizeBytes() + " bytes, past the device "
                        + "model's RLIMIT_FSIZE of " + fsize + " (set at create from its largest disk); attach it "
                        + "read-only, or give the domain the disk at create");
            }
            DiskHotplug.attach(ts.store(), r, disk, ts.policy().qmpTimeoutMillis());
        });
        return ExitCodes.OK;
    }

    private static DmjailException refuse(String why) {
        return new DmjailException(ExitCodes.BAD_CONFIG, "block-attach: " + why);
    }
}
