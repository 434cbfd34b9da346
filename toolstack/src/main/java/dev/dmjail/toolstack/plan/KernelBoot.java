package dev.dmjail.toolstack.plan;

import dev.dmjail.config.DomainConfig;
import dev.dmjail.config.DomainType;
import dev.dmjail.toolstack.sys.SafeFile;
import dev.dmjail.toolstack.sys.Sys;
import dev.dmjail.toolstack.host.HostPolicy;
import dev.dmjail.toolstack.host.ImageDirs;
import dev.dmjail.toolstack.layer.PlanException;
import dev.dmjail.toolstack.state.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * Direct kernel boot of an HVM guest: xl's {@code kernel=}, {@code ramdisk=} and the command line
 * (cmdline=, else root=/extra=, as the config module builds it) become QEMU's {@code -kernel},
 * {@code -initrd} and {@code -append}.
 *
 * <p>QEMU reads the kernel and the initrd by name (hw/i386/x86.c x86_load_linux: fopen() and
 * g_file_get_contents(), not qemu_open(), so /dev/fdset does not work for them). The launcher
 * therefore opens each file itself, checks it is the one planned here (dev:ino), and binds it into
 * the private root from the open file at {@link #KERNEL_AT} / {@link #INITRD_AT}; QEMU never sees a
 * host path. The guest can read what it boots (it is loaded into guest memory), so the files pass an
 * admission like disks do: readable by every user of the host anyway, or inside image_dirs. QEMU
 * opens the bound inode as the device-model uid, so the file must be readable by others (a+r)
 * unless the device model runs as root.
 */
public record KernelBoot(File kernel, File initrd, String cmdline) {

    /**
     * One host file bound into the device model's root at {@code at} (read-only): the filesystem
     * layer's launcher section carries it. Same JSON shape as the launcher's {@code RootFile}, which
     * state files written before this record held.
     *
     * @param hostPath canonical host path, opened by the launcher with no symlink on the way
     * @param identity "dev:ino" the plan checked (null only in a dry run that could not stat it)
     */
    public record File(String at, String hostPath, String identity) {}

    public static final String KERNEL_AT = "/boot/kernel";
    public static final String INITRD_AT = "/boot/initrd";

    /** The files to bind into the root (kernel, then initrd if any). */
    public List<File> files() {
        return initrd == null ? List.of(kernel) : List.of(kernel, initrd);
    }

    /**
     * @param dmIsRoot the device model runs as root (legacy, or DAC weakened): it can read any mode
     * @param problems create: every file must be usable; dry run: what is not is listed
     * @return null when the config asks for no direct kernel boot (or is not HVM)
     */
    static KernelBoot resolve(DomainConfig d, HostPolicy policy, boolean dmIsRoot, Problems problems) throws PlanException {
        if (d.type() != DomainType.HVM) {
            return null; // a PV/PVH kernel is Xen's domain builder's to load, not the device model's
        }
        if (d.kernel() == null) {
            // the key the admin wrote: cmdline= wins over root=/extra= (xl parse_cmdline)
            String lineKey = d.cmdline() == null || d.cmdline().equals(builtFrom(d.root(), d.extra())) && d.root() != null
                    ? "root" : d.cmdline().equals(d.extra()) ? "extra" : "cmdline";
            for (String[] k : new String[][] {{"ramdisk", d.ramdisk()}, {lineKey, d.cmdline()}}) {
                if (k[1] != null) {
                    // QEMU refuses -initrd and -append without -kernel
                    problem(k[0], k[0] + " needs kernel= (direct kernel boot); without it the guest boots from its "
                            + "disks and would not get it", problems);
                }
            }
            return null;
        }
        String cmdline = d.cmdline();
        if (cmdline != null && cmdline.indexOf('\0') >= 0) {
            throw new PlanException("cmdline", "the kernel command line contains a NUL byte");
        }
        File kernel = file("kernel", d.kernel(), KERNEL_AT, policy, dmIsRoot, problems);
        File initrd = d.ramdisk() == null ? null
                : file("ramdisk", d.ramdisk(), INITRD_AT, policy, dmIsRoot, problems);
        return new KernelBoot(kernel, initrd, cmdline);
    }

    private static String builtFrom(String root, String extra) {
        return root == null ? extra : extra == null ? "root=" + root : "root=" + root + " " + extra;
    }

    private static File file(String key, String name, String at, HostPolicy policy, boolean dmIsRoot,
                                 Problems problems) throws PlanException {
        if (name.isEmpty() || name.indexOf('\0') >= 0 || name.indexOf('\n') >= 0) {
            throw new PlanException(key, "bad path (empty, or contains a NUL or newline)");
        }
        Path real;
        SafeFile.Stat st;
        try {
            real = Path.of(name).toAbsolutePath().toRealPath(); // the admin's symlinks, followed once, here
            SafeFile.Opened o = SafeFile.open(real.toString(), Sys.O_PATH, 0); // no symlink on the way from now on
            if (!o.ok()) {
                throw new IOException("open " + real + ": " + Sys.strerror(o.errno()));
            }
            try {
                st = SafeFile.fstat(o.fd());
            } finally {
                SafeFile.close(o.fd());
            }
            if (st == null) {
                throw new IOException("fstat " + real + ": " + Sys.strerror(Sys.errno()));
            }
        } catch (IOException e) {
            problem(key, name + " cannot be used: "
                    + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()), problems);
            return new File(at, Path.of(name).toAbsolutePath().normalize().toString(), null);
        }
        String refusal = refusal(real, st, policy, dmIsRoot);
        if (refusal != null) {
            problem(key, name + " " + refusal, problems);
        }
        return new File(at, real.toString(), st.identity());
    }

    /** create refuses; the dry run (which parses as xl does) lists it. */
    private static void problem(String key, String why, Problems problems) throws PlanException {
        problems.add(key, why);
    }

    /** Null when the opened file {@code st} at canonical {@code real} may be booted; else why not. */
    static String refusal(Path real, SafeFile.Stat st, HostPolicy policy, boolean dmIsRoot) {
        if (!st.regular()) {
            return "is " + st.typeName() + ", not a regular file";
        }
        for (Path never : List.of(Path.of("/proc"), Path.of("/sys"), Path.of("/dev"))) {
            if (real.startsWith(never)) {
                return "resolves to " + real + ", under " + never + ", which holds no kernels";
            }
        }
        for (Path own : List.of(policy.stateDir(), policy.logDir())) {
            Path dir = StateStore.canonical(own);
            if (real.startsWith(dir)) {
                return "resolves to " + real + ", under dmjail's own " + dir + " (domains' state, sockets and logs)";
            }
        }
        if (!dmIsRoot && (st.mode() & 0004) == 0) {
            return "is mode " + String.format("%04o", st.mode() & 07777) + ": QEMU opens the kernel and initrd by "
                    + "name inside its root as the device-model user, so they must be readable by all (chmod a+r)";
        }
        if (everyoneCanReach(real)) {
            return null; // any user of this host can read it: the guest learns nothing new from it
        }
        if ((ImageDirs.any(policy) || ImageDirs.allowedDirOf(policy, real) != null) && st.nlink() == 1) {
            return null;
        }
        return "resolves to " + real + ", which not every user of this host may read, and is outside the host's "
                + "image_dirs (" + String.join(", ", policy.imageDirs()) + ") or has more than one hard link; "
                + "the guest can read what it boots";
    }

    /** Every directory above {@code real} is searchable by others (o+x): a+r then means public. */
    private static boolean everyoneCanReach(Path real) {
        for (Path p = real.getParent(); p != null; p = p.getParent()) {
            try {
                int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                if ((mode & 0001) == 0) {
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
