package dev.dmjail.toolstack;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Reads /proc directly, independently of dmjail's own ProcessView, so tests check the kernel, not us. */
public final class ProcFacts {
    private ProcFacts() {}

    static Map<String, String> status(Path statusFile) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        for (String l : Files.readAllLines(statusFile)) {
            int c = l.indexOf(':');
            if (c > 0) {
                m.put(l.substring(0, c), l.substring(c + 1).trim());
            }
        }
        return m;
    }

    static List<Map<String, String>> threads(long pid) throws IOException {
        List<Map<String, String>> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : ds) {
                out.add(status(t.resolve("status")));
            }
        }
        return out;
    }

    static String ns(long pid, String ns) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + ns)).toString();
    }

    /** The targets of a process's open fds; an fd closed while they are read is skipped. */
    public static List<String> fdTargets(long pid) throws IOException {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : ds) {
                try {
                    out.add(Files.readSymbolicLink(fd).toString());
                } catch (IOException closedMeanwhile) {
                    // QEMU opens and closes fds of its own (eventfds, timers) while we read
                }
            }
        }
        return out;
    }

    static TreeSet<String> list(Path dir) throws IOException {
        TreeSet<String> out = new TreeSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(p -> out.add(p.getFileName().toString()));
        }
        return out;
    }

    /** Live (non-zombie) processes whose real, effective or saved uid is {@code uid}. */
    public static List<Long> processesOfUid(int uid) {
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : ds) {
                try {
                    Map<String, String> s = status(p.resolve("status"));
                    String[] ids = s.get("Uid").split("\\s+");
                    boolean mine = ids[0].equals("" + uid) || ids[1].equals("" + uid) || ids[2].equals("" + uid);
                    if (mine && !s.get("State").startsWith("Z")) {
                        out.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException | RuntimeException gone) {
                    // exited meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    static String limit(long pid, String label) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/limits"))) {
            if (l.startsWith(label + " ")) {
                String[] f = l.substring(label.length()).trim().split("\\s+");
                return f[0] + "/" + f[1];
            }
        }
        return "?";
    }
}
