package dev.dmjail.launcher.step;

import dev.dmjail.launcher.LaunchException;
import dev.dmjail.launcher.spec.FdSpec;
import dev.dmjail.launcher.spec.FdsEnvSection;
import dev.dmjail.launcher.sys.LibC;
import dev.dmjail.launcher.sys.SafeFile;
import dev.dmjail.launcher.sys.Sys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The fds-env layer's step (1st): opens every {@link FdSpec} while still root and in the host mount
 * namespace (the network layer's taps among them: TUNSETIFF on the interface the toolstack made).
 * Every fd is moved (F_DUPFD_CLOEXEC) above the highest target so that each target is a real
 * dup2() in the child, which clears O_CLOEXEC there; everything else is closed at spawn.
 */
public final class FdsEnvStep extends Step<FdsEnvSection> {
    private final List<String> createdSockets = new ArrayList<>();

    public FdsEnvStep() {
        super(FdsEnvSection.NAME, FdsEnvSection.class);
    }

    @Override
    public FdsEnvSection trainingSection(String tmp) {
        return new FdsEnvSection(List.of(new FdSpec(0, FdSpec.Kind.DEV_NULL, null, false, false),
                new FdSpec(1, FdSpec.Kind.FILE, "/dev/null", true, false),
                new FdSpec(3, FdSpec.Kind.UNIX_LISTEN, tmp + "/cds.sock", false, false)));
    }

    @Override
    public void apply(LaunchContext ctx, FdsEnvSection section) throws LaunchException {
        LibC c = Sys.libc();
        int above = 3;
        for (FdSpec f : section.fds()) {
            above = Math.max(above, f.target() + 1);
        }
        for (FdSpec f : section.fds()) {
            int fd = switch (f.kind()) {
                case FILE, DISK, INCOMING -> openFile(c, f);
                case DEV_NULL -> openChecked(c, "/dev/null", Sys.O_RDONLY | Sys.O_NOCTTY | Sys.O_CLOEXEC, 0, f);
                case UNIX_LISTEN -> listen(c, f);
                case TAP -> tap(c, f);
            };
            int high = c.fcntl(fd, Sys.F_DUPFD_CLOEXEC, above);
            int err = Sys.errno();
            c.close(fd);
            if (high < 0) {
                throw fail(err, "fd " + f.target() + ": F_DUPFD_CLOEXEC above " + above);
            }
            ctx.openFds.add(new LaunchContext.OpenFd(high, f.target()));
        }
    }

    /**
     * Race-free: no symlink anywhere on the path (a tenant who owns a directory on it may swap it
     * for a symlink between plan and launch), O_NONBLOCK (a FIFO swapped in cannot hang the root
     * launcher), then the opened fd decides: its type, and for a disk its identity against the plan.
     */
    private int openFile(LibC c, FdSpec f) throws LaunchException {
        int flags = f.write() ? Sys.O_RDWR : (f.append() ? Sys.O_WRONLY : Sys.O_RDONLY);
        if (f.append()) {
            flags |= Sys.O_APPEND | Sys.O_CREAT;
        }
        SafeFile.Opened o = SafeFile.open(f.path(), flags, 0640);
        if (!o.ok()) {
            String why = o.errno() == Sys.ELOOP ? " (a symlink on the path: refused)" : "";
            throw fail(o.errno(), "fd " + f.target() + ": open " + f.path() + why);
        }
        int fd = o.fd();
        SafeFile.Stat st = SafeFile.fstat(fd);
        String bad = null;
        int err = Sys.EINVAL;
        if (st == null) {
            bad = "fstat failed";
            err = Sys.errno();
        } else if (f.kind() == FdSpec.Kind.DISK && !st.regular() && !st.block()) {
            bad = "is " + st.typeName() + ", not a regular file or block device";
        } else if ((f.kind() == FdSpec.Kind.FILE || f.kind() == FdSpec.Kind.INCOMING) && !st.regular()) {
            bad = "is " + st.typeName() + ", not a regular file";
        } else if (f.identity() != null && !f.identity().equals(st.identity())) {
            bad = "is not the file the plan checked (dev:ino " + st.identity() + ", planned " + f.identity()
                    + "): it was replaced after planning";
            err = Sys.ESTALE;
        } else if (!SafeFile.clearNonBlock(fd)) {
            bad = "fcntl(F_SETFL)";
            err = Sys.errno();
        }
        if (bad != null) {
            c.close(fd);
            throw fail(err, "fd " + f.target() + ": " + f.path() + " " + bad);
        }
        return fd;
    }

    /** TUNSETIFF request and flags (include/uapi/linux/if_tun.h). */
    private static final long TUNSETIFF = 0x400454caL;
    private static final short IFF_TAP = 0x0002;
    private static final short IFF_NO_PI = 0x1000;

    /**
     * Attaches to the tap interface the toolstack created (persistent, on the host bridge): open
     * /dev/net/tun and TUNSETIFF with its name. The fd keeps working in the device model's empty
     * network namespace: the interface itself stays in the host's.
     */
    private int tap(LibC c, FdSpec f) throws LaunchException {
        int fd = openChecked(c, "/dev/net/tun", Sys.O_RDWR | Sys.O_CLOEXEC, 0, f);
        byte[] ifr = new byte[40];
        byte[] name = f.path().getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, ifr, 0, name.length);
        short flags = (short) (IFF_TAP | IFF_NO_PI);
        ifr[16] = (byte) (flags & 0xff);
        ifr[17] = (byte) ((flags >> 8) & 0xff);
        if (c.ioctl(fd, TUNSETIFF, ifr) != 0) {
            int err = Sys.errno();
            c.close(fd);
            throw fail(err, "fd " + f.target() + ": TUNSETIFF " + f.path());
        }
        return fd;
    }

    private int openChecked(LibC c, String path, int flags, int mode, FdSpec f) throws LaunchException {
        int fd = c.open(path, flags, mode);
        if (fd < 0) {
            throw fail(Sys.errno(), "fd " + f.target() + ": open " + path);
        }
        return fd;
    }

    private int listen(LibC c, FdSpec f) throws LaunchException {
        String path = f.path();
        Path p = Path.of(path);
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & Sys.S_IFMT) != Sys.S_IFSOCK) {
                throw fail(Sys.EEXIST, "fd " + f.target() + ": " + path + " exists and is not a socket");
            }
            check(c.unlink(path), "fd " + f.target() + ": unlink stale socket " + path);
        } catch (NoSuchFileException e) {
            // nothing stale
        } catch (IOException e) {
            throw fail(Sys.EIO, "fd " + f.target() + ": lstat " + path + ": " + e.getMessage());
        }
        int fd = c.socket(Sys.AF_UNIX, Sys.SOCK_STREAM | Sys.SOCK_CLOEXEC, 0);
        check(fd, "fd " + f.target() + ": socket(AF_UNIX)");
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        byte[] addr = new byte[2 + FdsEnvSection.SUN_PATH_MAX];
        addr[0] = (byte) Sys.AF_UNIX; // sa_family_t, little endian
        System.arraycopy(name, 0, addr, 2, name.length);
        int old = c.umask(0177); // the socket file is created 0600
        int rc = c.bind(fd, addr, 2 + name.length + 1);
        int err = Sys.errno();
        c.umask(old);
        if (rc < 0) {
            c.close(fd);
            throw fail(err, "fd " + f.target() + ": bind " + path);
        }
        createdSockets.add(path);
        if (c.chown(path, 0, 0) < 0 || c.chmod(path, 0600) < 0) {
            err = Sys.errno();
            c.close(fd);
            throw fail(err, "fd " + f.target() + ": chown/chmod " + path);
        }
        if (c.listen(fd, 16) < 0) {
            err = Sys.errno();
            c.close(fd);
            throw fail(err, "fd " + f.target() + ": listen " + path);
        }
        return fd;
    }

    /** Removes the sockets this step bound (only possible before the pivot). */
    @Override
    public void abort(LaunchContext ctx) {
        if (!ctx.pivoted) {
            for (String s : createdSockets) {
                Sys.libc().unlink(s);
            }
        }
        for (LaunchContext.OpenFd o : ctx.openFds) {
            Sys.libc().close(o.fd());
        }
    }
}
