package dev.dmjail.uidrange.install;

import java.nio.file.Path;

/** The account files under a root directory ("/" for the live system, like shadow's --prefix). */
public record EtcPaths(Path root) {
    public Path etc() {
        return root.resolve("etc");
    }

    public Path passwd() {
        return etc().resolve("passwd");
    }

    public Path group() {
        return etc().resolve("group");
    }

    public Path shadow() {
        return etc().resolve("shadow");
    }

    public Path gshadow() {
        return etc().resolve("gshadow");
    }

    public Path subuid() {
        return etc().resolve("subuid");
    }

    public Path subgid() {
        return etc().resolve("subgid");
    }

    public Path loginDefs() {
        return etc().resolve("login.defs");
    }

    /** glibc lckpwdf(3)'s lock file, also taken by shadow's commonio_lock and systemd-sysusers. */
    public Path pwdLock() {
        return etc().resolve(".pwd.lock");
    }

    public boolean isLiveSystem() {
        return root.toAbsolutePath().normalize().equals(Path.of("/"));
    }
}
