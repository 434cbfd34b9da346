package dev.dmjail.toolstack.layer;

import dev.dmjail.toolstack.sys.Sys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The device model's log and the guest's console, each on a tmpfs of its own with a size limit, so
 * that nothing the device model does with those fds reaches the host's disk: RLIMIT_FSIZE is per
 * process (a large writable disk raises it for the log too) and fallocate(FALLOC_FL_KEEP_SIZE)
 * allocates blocks past EOF without it ever applying; a tmpfs {@code size=} bounds both (ENOSPC).
 * tmpfs pages are charged to the memory cgroup of the task that allocates them — the device model's.
 *
 * <p>Prepared before launch (mount, 0700 root; the kept path in log_dir becomes a symlink to the live
 * file); released at destroy (the live file copied to the kept path, then unmounted). Each step is
 * recorded in {@link Prepared} as soon as it is done, and release undoes only recorded steps.
 *
 * @param mount  the tmpfs mount point (under the domain's state dir)
 * @param live   the file the device model writes (inside {@code mount})
 * @param kept   where the file is kept after destroy (log_dir)
 * @param bytes  the tmpfs size
 */
public record FdEnvBoundedOutput(String mount, String live, String kept, long bytes) {

    static final long MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8;
    static final int MNT_DETACH = 2;
    static final long PAGE = 4096;

    /** mount(2) and umount2(2), bound on first use (prepare and release only). */
    public interface MountCalls {
        int mount(String source, String target, String fstype, long flags, String data);
        int umount2(String target, int flags);
    }

    private static final class Bound {
        static final MountCalls C = Sys.bind(MountCalls.class, "c");
    }

    /** What the tmpfs holds: {@code size=} rounds up to whole pages (mm/shmem.c shmem_parse_one). */
    public static long capacity(long bytes) {
        return (bytes + PAGE - 1) / PAGE * PAGE;
    }

    /**
     * Whether the tmpfs holding {@code file} is full: the device model's next write to it failed
     * with ENOSPC and was dropped (QEMU's chardev logfile and its stderr just go on without it).
     */
    public static boolean full(Path file) {
        try {
            return Files.getFileStore(file).getUnallocatedSpace() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** The line that ends a kept copy of a file that reached its bound: the truncation is never silent. */
    public static String truncationNote(long size) {
        return "[dmjail: truncated at " + size + " bytes: the domain's bound (log_max_kib / console_max_kib in the "
                + "host config) was reached; later output was not kept]";
    }

    void prepare(Prepared done) throws LayerException {
        Path m = Path.of(mount);
        try {
            Files.createDirectories(m.getParent());
            Files.createDirectory(m);
            done.done(FdEnvLayer.NAME, "dir " + mount);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new LayerException(FdEnvLayer.NAME, "mkdir", mount + " already exists (not made by this domain)");
        } catch (IOException e) {
            throw new LayerException(FdEnvLayer.NAME, "mkdir", mount + ": " + e.getMessage(), e);
        }
        MountCalls c = Bound.C;
        // size rounds up to whole pages; nr_inodes: the one file (and room for nothing else)
        String opts = "size=" + bytes + ",nr_inodes=4,mode=0700,uid=0,gid=0";
        if (c.mount("tmpfs", mount, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) != 0) {
            throw new LayerException(FdEnvLayer.NAME, "mount", "tmpfs on " + mount + ": " + Sys.strerror(Sys.errno()));
        }
        done.done(FdEnvLayer.NAME, "mount " + mount);
        Path k = Path.of(kept);
        try {
            if (Files.isSymbolicLink(k) && Files.readSymbolicLink(k).equals(Path.of(live)) && !Files.exists(k)) {
                Files.delete(k); // an earlier run's link, left dangling by a crash or a reboot: ours to renew
            }
            if (!Files.exists(k, LinkOption.NOFOLLOW_LINKS)) { // rotation moved the last run's file away
                Files.createDirectories(k.getParent());
                Files.createSymbolicLink(k, Path.of(live)); // so `tail -f LOG_DIR/NAME.log` works while it runs
                done.done(FdEnvLayer.NAME, "link " + kept);
            }
        } catch (IOException e) {
            throw new LayerException(FdEnvLayer.NAME, "symlink", kept + " -> " + live + ": " + e.getMessage(), e);
        }
    }

    /** Copies what the device model wrote to the kept path and unmounts: only the steps recorded. */
    void release(Prepared done) throws LayerException {
        Path m = Path.of(mount);
        Path k = Path.of(kept);
        Path l = Path.of(live);
        if (done.has(FdEnvLayer.NAME, "mount " + mount) && mounted(m)) {
            try {
                boolean ours = done.has(FdEnvLayer.NAME, "link " + kept) && Files.isSymbolicLink(k)
                        && Files.readSymbolicLink(k).equals(l);
                if (ours && Files.isRegularFile(l, LinkOption.NOFOLLOW_LINKS)) {
                    Path tmp = k.resolveSibling("." + k.getFileName() + ".copy");
                    boolean truncated = full(l);
                    long size;
                    try (InputStream in = Files.newInputStream(l, LinkOption.NOFOLLOW_LINKS)) {
                        // bounded by the tmpfs size: the device model cannot make it larger
                        size = Files.copy(new BoundedStream(in, capacity(bytes)), tmp, StandardCopyOption.REPLACE_EXISTING);
                    }
                    if (truncated) {
                        Files.writeString(tmp, "\n" + truncationNote(size) + "\n", java.nio.file.StandardOpenOption.APPEND);
                    }
                    Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
                    Files.move(tmp, k, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
            } catch (IOException e) {
                throw new LayerException(FdEnvLayer.NAME, "keep", live + " -> " + kept + ": " + e.getMessage(), e);
            }
            MountCalls c = Bound.C;
            if (c.umount2(mount, 0) != 0 && c.umount2(mount, MNT_DETACH) != 0) {
                throw new LayerException(FdEnvLayer.NAME, "umount", mount + ": " + Sys.strerror(Sys.errno()));
            }
        }
        try {
            // our link, left dangling (crash before the copy, or no mount): it points nowhere now
            if (done.has(FdEnvLayer.NAME, "link " + kept) && Files.isSymbolicLink(k) && Files.readSymbolicLink(k).equals(l)
                    && !Files.exists(k)) {
                Files.delete(k);
            }
            if (done.has(FdEnvLayer.NAME, "dir " + mount)) {
                Files.deleteIfExists(m);
            }
        } catch (IOException e) {
            throw new LayerException(FdEnvLayer.NAME, "cleanup", mount + ": " + e.getMessage(), e);
        }
    }

    /** Whether a filesystem is mounted exactly on {@code p} (the host's /proc/self/mountinfo). */
    static boolean mounted(Path p) {
        try {
            return mounted(p, Files.readAllLines(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether {@code mountinfo} (a /proc/PID/mountinfo) lists a mount at {@code p}. */
    static boolean mounted(Path p, List<String> mountinfo) {
        String want = p.toAbsolutePath().normalize().toString().replace(" ", "\\040");
        for (String l : mountinfo) {
            String[] f = l.split(" ", 6);
            if (f.length > 4 && f[4].equals(want)) {
                return true;
            }
        }
        return false;
    }

    /** Which of the planned outputs are not mounted as bounded tmpfs right now (for verify). */
    static List<String> unbounded(List<FdEnvBoundedOutput> outputs, List<String> hostMountinfo) {
        return outputs.stream().filter(o -> !mounted(Path.of(o.mount()), hostMountinfo)).map(FdEnvBoundedOutput::mount).toList();
    }

    /** Reads at most {@code limit} bytes. */
    private static final class BoundedStream extends java.io.FilterInputStream {
        private long left;

        BoundedStream(InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) return -1;
            int b = super.read();
            if (b >= 0) left--;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) return -1;
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) left -= n;
            return n;
        }
    }
}
