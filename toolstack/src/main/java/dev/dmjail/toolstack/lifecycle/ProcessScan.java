package dev.dmjail.toolstack.lifecycle;

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
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : ds) {
                try {
                    boolean match = false;
                    boolean zombie = false;
                    for (String l : Files.readAllLines(p.resolve("status"))) {
                        if (l.startsWith("Uid:")) {
                            String[] f = l.substring(4).trim().split("\\s+");
                            match = f[0].equals(Integer.toString(uid)) || f[2].equals(Integer.toString(uid));
                        } else if (l.startsWith("State:")) {
                            zombie = l.contains("Z (zombie)");
                        }
                    }
                    if (match && !zombie) {
                        out.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException | RuntimeException gone) {
                    // exited while we looked
                }
            }
        } catch (IOException e) {
            // /proc unreadable: report nothing
        }
        return out;
    }

    /** Live processes of {@code uid} that sit in a dmjail cgroup of a domain other than {@code name}. */
    public static List<Long> inOtherDomains(int uid, String name) {
        List<Long> out = new ArrayList<>();
        for (long pid : liveProcessesOfUid(uid)) {
            try {
                for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
                    int i = l.indexOf(":/dmjail/");
                    if (i >= 0 && !l.substring(i + ":/dmjail/".length()).equals(name)) {
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
