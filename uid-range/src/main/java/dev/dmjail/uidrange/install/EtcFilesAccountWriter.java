package dev.dmjail.uidrange.install;

import java.io.IOException;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Fallback for hosts without shadow's tools (minimal images): edits passwd/group/shadow/gshadow
 * directly, the way useradd --system would, under the lckpwdf lock and with atomic replacement.
 * Free ids are taken from the top of SYS_*_MIN..SYS_*_MAX downwards, as useradd/groupadd --system do.
 */
public final class EtcFilesAccountWriter implements AccountWriter {
    private final EtcPaths paths;
    private final LoginDefs defs;

    public EtcFilesAccountWriter(EtcPaths paths, LoginDefs defs) {
        this.paths = paths;
        this.defs = defs;
    }

    @Override
    public String method() {
        return "files";
    }

    @Override
    public List<String> createGroup(String name, Long gid) throws IOException {
        try (PasswdLock lock = PasswdLock.acquire(paths.pwdLock())) {
            AccountFile group = new AccountFile(paths.group());
            Set<Long> used = ids(group, 2);
            if (group.hasName(name)) {
                throw new IOException("group " + name + " already exists in " + paths.group());
            }
            long id = gid != null ? gid : freeSystemId(used, defs.systemIds(true), "gid");
            if (used.contains(id)) {
                throw new IOException("gid " + id + " is already used in " + paths.group());
            }
            group.append(name + ":x:" + id + ":");
            AccountFile gshadow = new AccountFile(paths.gshadow());
            if (gshadow.exists()) {
                gshadow.append(name + ":!::");
            }
            return List.of();
        }
    }

    @Override
    public List<String> createUser(String name, Long uid, String groupName, String comment) throws IOException {
        try (PasswdLock lock = PasswdLock.acquire(paths.pwdLock())) {
            AccountFile passwd = new AccountFile(paths.passwd());
            if (passwd.hasName(name)) {
                throw new IOException("user " + name + " already exists in " + paths.passwd());
            }
            String gid = new AccountFile(paths.group()).entries().stream().filter(f -> f[0].equals(groupName))
                    .map(f -> f[2]).findFirst()
                    .orElseThrow(() -> new IOException("group " + groupName + " does not exist"));
            Set<Long> used = ids(passwd, 2);
            long id = uid != null ? uid : freeSystemId(used, defs.systemIds(false), "uid");
            if (used.contains(id)) {
                throw new IOException("uid " + id + " is already used in " + paths.passwd());
            }
            passwd.append(String.join(":", name, "x", Long.toString(id), gid, comment, NO_HOME, NO_LOGIN_SHELL));
            AccountFile shadow = new AccountFile(paths.shadow());
            if (shadow.exists()) {
                // useradd --system: locked password, last change today, no aging fields.
                shadow.append(name + ":!:" + LocalDate.now().toEpochDay() + "::::::");
            }
            return List.of();
        }
    }

    @Override
    public List<String> deleteUser(String name) throws IOException {
        try (PasswdLock lock = PasswdLock.acquire(paths.pwdLock())) {
            if (!new AccountFile(paths.passwd()).remove(name)) {
                throw new IOException("user " + name + " does not exist in " + paths.passwd());
            }
            AccountFile shadow = new AccountFile(paths.shadow());
            if (shadow.exists()) {
                shadow.remove(name);
            }
            return List.of();
        }
    }

    @Override
    public List<String> deleteGroup(String name) throws IOException {
        try (PasswdLock lock = PasswdLock.acquire(paths.pwdLock())) {
            if (!new AccountFile(paths.group()).remove(name)) {
                throw new IOException("group " + name + " does not exist in " + paths.group());
            }
            AccountFile gshadow = new AccountFile(paths.gshadow());
            if (gshadow.exists()) {
                gshadow.remove(name);
            }
            return List.of();
        }
    }

    private static Set<Long> ids(AccountFile file, int field) throws IOException {
        Set<Long> out = new HashSet<>();
        for (String[] f : file.entries()) {
            if (f.length > field && f[field].matches("\\d+")) {
                out.add(Long.parseLong(f[field]));
            }
        }
        return out;
    }

    private static long freeSystemId(Set<Long> used, IdRange sys, String what) throws IOException {
        for (long id = sys.last(); id >= sys.start(); id--) {
            if (!used.contains(id)) {
                return id;
            }
        }
        throw new IOException("no free system " + what + " in " + sys);
    }
}
