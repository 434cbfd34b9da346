package dev.dmjail.launcher.spec;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The fds-env layer's section: every resource the device model gets, as an fd the privileged
 * launcher opens (disks, logs, sockets, and the network layer's taps: a tap reaches QEMU as one
 * more numbered fd, so it is one more {@link FdSpec}; the network layer's own work, the interface on
 * its bridge, is done on the host by the toolstack). Its environment travels with {@link ExecSection}.
 */
public record FdsEnvSection(List<FdSpec> fds) implements Section {
    public static final String NAME = "fds-env";
    /** sizeof(sockaddr_un.sun_path), include/uapi/linux/un.h. */
    public static final int SUN_PATH_MAX = 108;

    public FdsEnvSection {
        fds = fds == null ? List.of() : List.copyOf(fds);
    }

    @Override
    public String sectionName() {
        return NAME;
    }

    @Override
    public void validate(LaunchSpec spec) throws SpecException {
        Set<Integer> targets = new HashSet<>();
        for (FdSpec f : fds) {
            String fd = "fd " + f.target() + ": ";
            if (f.target() < 0) {
                throw new SpecException(NAME, SpecException.EBADF, "fd target " + f.target() + " is negative");
            }
            if (!targets.add(f.target())) {
                throw new SpecException(NAME, SpecException.EINVAL, "fd target " + f.target() + " appears twice");
            }
            if (f.kind() == null) {
                throw new SpecException(NAME, SpecException.EINVAL, fd + "kind missing");
            }
            if (f.kind() == FdSpec.Kind.TAP) {
                if (!FdSpec.validInterfaceName(f.path())) {
                    throw new SpecException(NAME, SpecException.EINVAL, fd + "bad tap interface name: " + f.path());
                }
                continue;
            }
            if (f.kind() != FdSpec.Kind.DEV_NULL && !Paths.absolute(f.path())) {
                throw new SpecException(NAME, SpecException.EINVAL, fd + "path must be absolute: " + f.path());
            }
            if (f.kind() == FdSpec.Kind.UNIX_LISTEN && f.path().getBytes(StandardCharsets.UTF_8).length >= SUN_PATH_MAX) {
                throw new SpecException(NAME, SpecException.ENAMETOOLONG, fd + "socket path too long: " + f.path());
            }
        }
    }
}
