package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.lifecycle.CdromMedia;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.text.Printable;

/** What cd-insert and cd-eject share: the running domain and its cdrom VDEV, or a one-line error. */
final class CdromChange {
    private CdromChange() {}

    static DomainRecord cdrom(Toolstack ts, String command, String domain, String vdev) throws DmjailException {
        if (!vdev.matches("[a-z]{2,4}[a-z0-9]{0,4}")) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, command + ": bad vdev '" + Printable.line(vdev) + "'");
        }
        DomainRecord r = DomainTarget.find(ts, command, domain);
        DomainTarget.requireRunning(ts, command, r);
        if (!CdromMedia.isCdrom(r, vdev)) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, command + ": " + r.name() + " has no emulated cdrom " + vdev
                    + " (give it one at create: \"vdev=" + vdev + ",devtype=cdrom,format=empty,target=\")");
        }
        return r;
    }
}
