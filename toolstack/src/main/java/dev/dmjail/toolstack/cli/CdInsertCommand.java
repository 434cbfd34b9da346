package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.lifecycle.CdromMedia;
import dev.dmjail.toolstack.plan.PlanFailure;
import dev.dmjail.toolstack.plan.ResolvedDisk;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail cd-insert NAME|DOMID VDEV TARGET}: xl cd-insert, the image opened by the privileged side. */
@Command(name = "cd-insert", mixinStandardHelpOptions = true,
        description = {"Insert TARGET (an ISO image or a block device) into the emulated cdrom VDEV of a running domain, "
                + "as xl cd-insert does. TARGET must pass the same rules as a disk of a domain config (image_dirs, one "
                + "hard link, not another domain's read-write disk); dmjail opens it and hands the open file to the device "
                + "model, which has no path to it. A medium already in the drive is replaced (the tray is opened even if "
                + "the guest locked it)."})
public final class CdInsertCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "NAME|DOMID")
    String domain;

    @Parameters(index = "1", paramLabel = "VDEV")
    String vdev;

    @Parameters(index = "2", paramLabel = "TARGET")
    String target;

    @Override
    public Integer call() throws DmjailException {
        Privileges.requireRoot("cd-insert");
        Toolstack ts = main.toolstack();
        DomainTarget.change(ts, "cd-insert", domain, r -> {
            CdromChange.requireCdrom("cd-insert", r, vdev);
            ResolvedDisk medium;
            try {
                medium = ts.planner().resolveMedium(r.key(), vdev, target);
            } catch (PlanFailure e) {
                throw new DmjailException(ExitCodes.BAD_CONFIG, "cd-insert: " + e.getMessage());
            }
            CdromMedia.insert(ts.store(), r, vdev, medium, ts.policy().qmpTimeoutMillis());
        });
        return ExitCodes.OK;
    }
}
