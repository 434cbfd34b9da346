package dev.dmjail.toolstack.proc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The kernel's own view of one running process and all its threads, read from /proc. The audit
 * trusts nothing else: every PASS it prints comes from a file read here, and every layer's verify
 * reads only through this class, so a test can hand it a fake /proc tree (a directory laid out as
 * {@code PID/status}, {@code PID/ns/*}, {@code PID/fd/*}, {@code net/unix}, …; {@code self} and
 * {@code 1} for the toolstack and init) and see the verify PASS or FAIL.
 */
public final class ProcessView {

    private final Path procRoot;
    private final Path proc;
    private final int pid;
    /** What this view has read, by entry, when it reads each entry once ({@link #once()}); null: every call reads. */
    private final Map<String, Object> memo;

    public ProcessView(int pid) { this(Path.of("/proc"), pid); }

    public ProcessView(Path procRoot, int pid) {
        this(procRoot, procRoot.resolve(Integer.toString(pid)), pid);
    }

    private ProcessView(Path procRoot, Path proc, int pid) {
        this(procRoot, proc, pid, null);
    }

    private ProcessView(Path procRoot, Path proc, int pid, Map<String, Object> memo) {
        this.procRoot = procRoot;
        this.proc = proc;
        this.pid = pid;
        this.memo = memo;
    }

    /**
     * The same process, each /proc entry (and the seccomp filter dump) read on first use and kept:
     * an audit's layers ask for the same entries (every thread's status three times, status twice),
     * and one audit is one look at the process (issue 14: audit --all of 200 domains). Views of other
     * processes made from it ({@link #other}, {@link #self}) read afresh.
     */
    public ProcessView once() {
        return new ProcessView(procRoot, proc, pid, new java.util.concurrent.ConcurrentHashMap<>());
    }

    @SuppressWarnings("unchecked")
    private <T> T read(String entry, java.util.function.Supplier<T> reader) {
        if (memo == null) {
            return reader.get();
        }
        Object v = memo.get(entry);
        if (v == null) {
            v = reader.get();
            memo.put(entry, v);
        }
        return (T) v;
    }

    public int pid() { return pid; }

    /** Another process under the same /proc. */
    public ProcessView other(int otherPid) { return new ProcessView(procRoot, otherPid); }

    /** The process reading /proc (the toolstack), {@code /proc/self}. */
    public ProcessView self() { return new ProcessView(procRoot, procRoot.resolve("self"), -1); }

    /** init, whose namespaces and root are the host's. */
    public ProcessView init() { return other(1); }

    /**
     * The listening UNIX sockets of the reader's (the host's) network namespace, by inode
     * ({@code /proc/net/unix}: the launcher bound the device model's sockets there).
     */
    public Map<Long, String> hostUnixListeners() { return read("net/unix", () -> UnixSockets.listening(procRoot.resolve("net/unix"))); }

    /** The TCP sockets of the reader's (the host's) network namespace, by inode. */
    public Map<Long, HostTcpSockets.Tcp> hostTcpSockets() { return read("net/tcp", () -> HostTcpSockets.byInode(procRoot.resolve("net"))); }

    /** dev:ino of the process's root directory ({@code /proc/PID/root}, followed), or empty. */
    public Optional<String> rootIdentity() {
        return identity(proc.resolve("root"), true);
    }

    /** dev:ino of {@code at} as the process sees it in its root (not followed: a bound file keeps its inode). */
    public Optional<String> identityInRoot(String at) {
        return identity(proc.resolve("root").resolve(at.startsWith("/") ? at.substring(1) : at), false);
    }

    private static Optional<String> identity(Path p, boolean follow) {
        try {
            java.nio.file.LinkOption[] o = follow ? new java.nio.file.LinkOption[0]
                    : new java.nio.file.LinkOption[] {java.nio.file.LinkOption.NOFOLLOW_LINKS};
            return Optional.of(Files.getAttribute(p, "unix:dev", o) + ":" + Files.getAttribute(p, "unix:ino", o));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    public boolean alive() {
        return status().map(s -> !s.getOrDefault("State", "").startsWith("Z")).orElse(false);
    }

    /** /proc/PID/status as key → value (values trimmed). Empty when the process is gone. */
    public Optional<Map<String, String>> status() {
        return read("status", () -> readStatus(proc.resolve("status")));
    }

    /** status of every thread (/proc/PID/task/TID/status). */
    public Map<Integer, Map<String, String>> threadStatuses() {
        return read("task/*/status", this::readThreadStatuses);
    }

    private Map<Integer, Map<String, String>> readThreadStatuses() {
        Map<Integer, Map<String, String>> out = new LinkedHashMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(proc.resolve("task"))) {
            for (Path t : ds) {
                readStatus(t.resolve("status")).ifPresent(s -> out.put(Integer.parseInt(t.getFileName().toString()), s));
            }
        } catch (IOException e) {
            // gone: empty map
        }
        return out;
    }

    private static Optional<Map<String, String>> readStatus(Path file) {
        try {
            Map<String, String> m = new LinkedHashMap<>();
            for (String line : Files.readAllLines(file)) {
                int c = line.indexOf(':');
                if (c > 0) {
                    m.put(line.substring(0, c), line.substring(c + 1).trim());
                }
            }
            return Optional.of(m);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Namespace link target, e.g. "mnt:[4026531841]", or empty. */
    public Optional<String> namespace(String ns) {
        return read("ns/" + ns, () -> readLink(proc.resolve("ns").resolve(ns)));
    }

    /** /proc/PID/cgroup lines. */
    public List<String> cgroups() { return lines("cgroup"); }

    /** /proc/PID/mountinfo lines (the mounts as the process sees them). */
    public List<String> mountinfo() { return lines("mountinfo"); }

    /** /proc/PID/limits lines. */
    public List<String> limits() { return lines("limits"); }

    /** Soft and hard limit of one resource from /proc/PID/limits ("Max file size"), -1 = unlimited. */
    public Optional<long[]> limit(String label) {
        for (String l : limits()) {
            if (l.startsWith(label + " ")) {
                String[] f = l.substring(label.length()).trim().split("\\s+");
                return Optional.of(new long[] {parseLimit(f[0]), parseLimit(f[1])});
            }
        }
        return Optional.empty();
    }

    private static long parseLimit(String s) { return s.equals("unlimited") ? -1 : Long.parseLong(s); }

    /** fd number → link target. */
    public Map<Integer, String> fds() {
        return read("fd", this::readFds);
    }

    private Map<Integer, String> readFds() {
        Map<Integer, String> out = new LinkedHashMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(proc.resolve("fd"))) {
            for (Path f : ds) {
                readLink(f).ifPresent(t -> out.put(Integer.parseInt(f.getFileName().toString()), t));
            }
        } catch (IOException e) {
            // gone
        }
        return out;
    }

    /**
     * fd number → identity of the open file ("dev:ino", or "blk:MAJ:MIN" for a block device), by
     * stat through /proc/PID/fd/N, which reaches the open file itself whatever its name is now (a
     * tenant may rename the directory an image sits in; the fd still holds the planned file).
     */
    public Map<Integer, String> fdIdentities() {
        return read("fd/* identities", this::readFdIdentities);
    }

    private Map<Integer, String> readFdIdentities() {
        Map<Integer, String> out = new LinkedHashMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(proc.resolve("fd"))) {
            for (Path f : ds) {
                try {
                    Map<String, Object> a = Files.readAttributes(f, "unix:dev,ino,mode,rdev");
                    String id = dev.dmjail.toolstack.sys.SafeFile.identity((Integer) a.get("mode"),
                            ((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue(),
                            ((Number) a.get("rdev")).longValue());
                    out.put(Integer.parseInt(f.getFileName().toString()), id);
                } catch (IOException | RuntimeException gone) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            // gone
        }
        return out;
    }

    /**
     * The seccomp filters of the process's main thread, read from the kernel with ptrace
     * ({@link SeccompFilters}); a view of a fake /proc tree cannot observe them and says so.
     */
    public SeccompFilters.Dump seccompFilters() {
        if (!procRoot.equals(Path.of("/proc")) || pid <= 0) {
            return new SeccompFilters.Dump(java.util.List.of(), "not a live process (" + proc + ")");
        }
        return read("seccomp filters", () -> SeccompFilters.dump(pid));
    }

    /** The process's environment, exactly as the kernel holds it. */
    public List<String> environ() {
        return read("environ", this::readEnviron);
    }

    private List<String> readEnviron() {
        try {
            String s = new String(Files.readAllBytes(proc.resolve("environ")), StandardCharsets.UTF_8);
            List<String> out = new ArrayList<>();
            for (String e : s.split("\0")) {
                if (!e.isEmpty()) {
                    out.add(e);
                }
            }
            return out;
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The SELinux (or other LSM) label, /proc/PID/attr/current; empty when no LSM answers. */
    public Optional<String> lsmLabel() {
        try {
            String s = new String(Files.readAllBytes(proc.resolve("attr/current")), StandardCharsets.UTF_8).trim();
            return s.isEmpty() ? Optional.empty() : Optional.of(s.replace("\0", ""));
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /** Entries of a directory as the process sees it through /proc/PID/root. */
    public List<String> listRoot(String dirInsideRoot) {
        List<String> out = new ArrayList<>();
        Path d = proc.resolve("root").resolve(dirInsideRoot.startsWith("/") ? dirInsideRoot.substring(1) : dirInsideRoot);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
            for (Path p : ds) {
                out.add(p.getFileName().toString());
            }
        } catch (IOException e) {
            // not visible
        }
        out.sort(String::compareTo);
        return out;
    }

    /**
     * True while this pid is alive (not a zombie) and is still the process started at
     * {@code startTime} (as recorded at create; null: not recorded), so a reused pid never counts.
     */
    public boolean aliveAndStartedAt(Long startTime) {
        return alive() && (startTime == null || startTime().map(startTime::equals).orElse(false));
    }

    /** Field 22 of /proc/PID/stat: start time in clock ticks, to tell a reused pid apart. */
    public Optional<Long> startTime() {
        try {
            String s = Files.readString(proc.resolve("stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Optional.of(Long.parseLong(f[19]));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private List<String> lines(String name) {
        return read(name, () -> readLines(name));
    }

    private List<String> readLines(String name) {
        try {
            return Files.readAllLines(proc.resolve(name));
        } catch (IOException e) {
            return List.of();
        }
    }

    private static Optional<String> readLink(Path p) {
        try {
            return Optional.of(Files.readSymbolicLink(p).toString());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
