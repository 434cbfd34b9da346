package dev.dmjail.uidrange.install;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import dev.dmjail.uidrange.GroupEntry;
import dev.dmjail.uidrange.PasswdEntry;
import dev.dmjail.uidrange.UserDatabase;
import dev.dmjail.uidrange.UserDatabaseException;
import dev.dmjail.uidrange.UserEnumeration;

/**
 * passwd(5)/group(5) files read directly: for a --root other than "/", where NSS would read the live
 * /etc instead. Files are re-read on every call, like nss_files.
 */
public final class EtcFilesUserDatabase implements UserDatabase, UserEnumeration {
    private final EtcPaths paths;

    public EtcFilesUserDatabase(EtcPaths paths) {
        this.paths = paths;
    }

    @Override
    public List<PasswdEntry> allUsers() {
        List<PasswdEntry> out = new ArrayList<>();
        for (String[] f : fields(paths.passwd(), 7)) {
            out.add(new PasswdEntry(f[0], parseId(f[2]), parseId(f[3]), f[4], f[5], f[6]));
        }
        return out;
    }

    @Override
    public List<GroupEntry> allGroups() {
        List<GroupEntry> out = new ArrayList<>();
        for (String[] f : fields(paths.group(), 4)) {
            List<String> members = f[3].isEmpty() ? List.of() : Arrays.asList(f[3].split(","));
            out.add(new GroupEntry(f[0], parseId(f[2]), members));
        }
        return out;
    }

    @Override
    public Optional<PasswdEntry> byName(String name) {
        return allUsers().stream().filter(u -> u.name().equals(name)).findFirst();
    }

    @Override
    public Optional<PasswdEntry> byUid(int uid) {
        return allUsers().stream().filter(u -> u.uid() == uid).findFirst();
    }

    @Override
    public Optional<GroupEntry> groupByName(String name) {
        return allGroups().stream().filter(g -> g.name().equals(name)).findFirst();
    }

    @Override
    public Optional<GroupEntry> groupByGid(int gid) {
        return allGroups().stream().filter(g -> g.gid() == gid).findFirst();
    }

    private static int parseId(String s) {
        return (int) Long.parseLong(s);
    }

    /** Colon-separated lines with exactly n fields; comments, NIS "+"/"-" lines and junk are skipped. */
    private static List<String[]> fields(Path file, int n) {
        try {
            List<String[]> out = new ArrayList<>();
            if (!Files.exists(file)) {
                return out;
            }
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] f = line.split(":", -1);
                if (f.length != n || line.startsWith("#") || line.startsWith("+") || line.startsWith("-")
                        || !f[2].matches("\\d+") || (n == 7 && !f[3].matches("\\d+"))) {
                    continue;
                }
                out.add(f);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw new UserDatabaseException("cannot parse " + file, e);
        }
    }
}
