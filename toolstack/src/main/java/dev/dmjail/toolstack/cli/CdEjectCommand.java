package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.lifecycle.CdromMedia;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail cd-eject NAME|DOMID VDEV}: xl cd-eject. */
@Command(name = "cd-eject", mixinStandardHelpOptions = true,
        description = "Eject the medium of the emulated cdrom VDEV of a running domain, as xl cd-eject does (the tray is "
                + "opened even if the guest locked it). The device model closes the image.")
public final class CdEjectCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "NAME|DOMID")
    String domain;

    @Parameters(index = "1", paramLabel = "VDEV")
    String vdev;

    @Override
    public Integer call() throws DmjailException {
        Privileges.requireRoot("cd-eject");
        Toolstack ts = main.toolstack();
        DomainTarget.change(ts, "cd-eject", domain, r -> {
            CdromChange.requireCdrom("cd-eject", r, vdev);
            CdromMedia.eject(ts.store(), r, vdev, ts.policy().qmpTimeoutMillis());
        });
        return ExitCodes.OK;
    }
}
