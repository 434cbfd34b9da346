package dev.dmjail.toolstack.proc;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finds processes by real uid in /proc (zombies excluded: they hold no resources and cannot be killed). */
public final class ProcessScan {
    private ProcessScan() {}

    public static List<Long> liveProcessesOfUid(int uid) {
        List<Long> out = new ArrayList<>();
        String u = Integer.toString(uid);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : ds) {
                int pid = Integer.parseInt(p.getFileName().toString());
                new ProcessView(pid).status().ifPresent(st -> {
                    String[] ids = st.getOrDefault("Uid", "").split("\\s+");
                    boolean match = ids.length >= 3 && (ids[0].equals(u) || ids[2].equals(u));
                    if (match && !st.getOrDefault("State", "").startsWith("Z")) {
                        out.add((long) pid);
                    }
                });
            }
        } catch (IOException e) {
            // /proc unreadable: report nothing
        }
        return out;
    }

    /** Live processes of {@code uid} that sit in a dmjail cgroup of a domain other than the one of {@code key}. */
    public static List<Long> inOtherDomains(int uid, String key) {
        List<Long> out = new ArrayList<>();
        for (long pid : liveProcessesOfUid(uid)) {
            try {
                for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
                    int i = l.indexOf(":/dmjail/");
                    if (i >= 0 && !l.substring(i + ":/dmjail/".length()).equals(key)) {
                        out.add(pid);
                        break;
                    }
                }
            } catch (IOException | RuntimeException gone) {
                // exited
            }
        }
        return out;
    }
}
