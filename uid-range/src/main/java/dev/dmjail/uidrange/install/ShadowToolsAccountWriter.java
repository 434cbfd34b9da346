package dev.dmjail.uidrange.install;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Account changes through shadow's useradd/groupadd/userdel/groupdel, which take the locks, keep
 * shadow/gshadow in step, write backups and notify nscd/sssd. Options used (shadow 4.13):
 * --system (no aging, no subuids, id from SYS_*_MIN..MAX when none is given), --no-create-home,
 * --no-log-init (no lastlog/faillog record for a 65536+ uid), --prefix for a non-live root.
 */
public final class ShadowToolsAccountWriter implements AccountWriter {
    private static final String[] TOOLS = {"useradd", "groupadd", "userdel", "groupdel"};
    private final Path toolDir;
    private final EtcPaths paths;
    private final CommandRunner runner;

    public ShadowToolsAccountWriter(Path toolDir, EtcPaths paths, CommandRunner runner) {
        this.toolDir = toolDir;
        this.paths = paths;
        this.runner = runner;
    }

    /** True when all four tools are present and executable in {@code toolDir}. */
    public static boolean available(Path toolDir) {
        for (String t : TOOLS) {
            if (!Files.isExecutable(toolDir.resolve(t))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String method() {
        return "shadow-tools";
    }

    @Override
    public List<String> createGroup(String name, Long gid) throws IOException {
        List<String> cmd = base("groupadd");
        cmd.add("--system");
        if (gid != null) {
            cmd.add("--gid");
            cmd.add(Long.toString(gid));
        }
        cmd.add(name);
        return runner.run(cmd);
    }

    @Override
    public List<String> createUser(String name, Long uid, String group, String comment) throws IOException {
        List<String> cmd = base("useradd");
        cmd.addAll(List.of("--system", "--no-log-init", "--no-create-home", "--home-dir", NO_HOME,
                "--shell", NO_LOGIN_SHELL, "--gid", group, "--comment", comment));
        if (uid != null) {
            cmd.add("--uid");
            cmd.add(Long.toString(uid));
        }
        cmd.add(name);
        return runner.run(cmd);
    }

    @Override
    public List<String> deleteUser(String name) throws IOException {
        // Without --remove: no home or mail spool to remove. With USERGROUPS_ENAB, userdel also drops
        // the same-named primary group if nobody else uses it; the caller re-checks before groupdel.
        List<String> cmd = base("userdel");
        cmd.add(name);
        return runner.run(cmd);
    }

    @Override
    public List<String> deleteGroup(String name) throws IOException {
        List<String> cmd = base("groupdel");
        cmd.add(name);
        return runner.run(cmd);
    }

    private List<String> base(String tool) {
        List<String> cmd = new ArrayList<>();
        cmd.add(toolDir.resolve(tool).toString());
        if (!paths.isLiveSystem()) {
            cmd.add("--prefix");
            cmd.add(paths.root().toAbsolutePath().toString());
        }
        return cmd;
    }
}
