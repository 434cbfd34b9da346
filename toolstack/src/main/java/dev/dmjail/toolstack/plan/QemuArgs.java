package dev.dmjail.toolstack.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * The device model's argv and the fds behind it while {@link QemuCommandBuilder} and its parts
 * (disks, console, display, boot) add to them. Hands out fd numbers and fdset ids in order, so each
 * part can add what it needs without knowing what the others took.
 */
final class QemuArgs {

    /** fd numbers in the device model: 0 = /dev/null, 1/2 = log, 3 = QMP, the rest from 4 on. */
    static final int FD_QMP = 3;
    static final int FD_FIRST_DYNAMIC = 4;

    final List<String> argv = new ArrayList<>();
    final List<DeviceModelFd> fds = new ArrayList<>();
    final List<String> warnings = new ArrayList<>();
    /** What would stop a real create on this host (create: the first is thrown; dry run: listed). */
    final Problems problems;

    QemuArgs(Problems problems) {
        this.problems = problems;
    }

    private int nextFd = FD_FIRST_DYNAMIC;
    private int nextSet = 1;

    void add(String... args) {
        argv.addAll(List.of(args));
    }

    /** Plans an fd at a fixed number (0..3). */
    void fixedFd(DeviceModelFd fd) {
        fds.add(fd);
    }

    /** Plans one more fd and returns the number it will have in the device model. */
    int fd(DeviceModelFd.Kind kind, String path, boolean write, boolean append, String identity) {
        int n = nextFd++;
        fds.add(new DeviceModelFd(n, kind, path, write, append, identity));
        return n;
    }

    /** A fresh fdset id for {@code -add-fd ...,set=N} and {@code /dev/fdset/N}. */
    int fdset() {
        return nextSet++;
    }
}
