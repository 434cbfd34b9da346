package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.lifecycle.CdromMedia;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.text.Printable;

/** What cd-insert and cd-eject check: VDEV is an emulated cdrom of the domain, or a one-line error. */
final class CdromChange {
    private CdromChange() {}

    static void requireCdrom(String command, DomainRecord r, String vdev) throws DmjailException {
        if (!vdev.matches("[a-z]{2,4}[a-z0-9]{0,4}")) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, command + ": bad vdev '" + Printable.line(vdev) + "'");
        }
        if (!CdromMedia.isCdrom(r, vdev)) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, command + ": " + r.name() + " has no emulated cdrom " + vdev
                    + " (give it one at create: \"vdev=" + vdev + ",devtype=cdrom,format=empty,target=\")");
        }
    }
}
