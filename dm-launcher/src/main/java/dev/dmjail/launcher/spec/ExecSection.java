package dev.dmjail.launcher.spec;

import java.util.List;
import java.util.Map;

/**
 * What the launcher spawns, the one section that is no layer (it must be there).
 *
 * @param path  binary to exec, as seen inside the root (same path as on the host)
 * @param argv  full argv, argv[0] included
 * @param env   the whole environment of the device model (the fds-env layer plans it)
 * @param cwd   working directory inside the root
 */
public record ExecSection(String path, List<String> argv, Map<String, String> env, String cwd) implements Section {
    public static final String NAME = "exec";

    public ExecSection {
        argv = argv == null ? List.of() : List.copyOf(argv);
        env = env == null ? Map.of() : Map.copyOf(env);
    }

    @Override
    public String sectionName() {
        return NAME;
    }

    @Override
    public void validate(LaunchSpec spec) throws SpecException {
        if (!Paths.absolute(path)) {
            throw fail("exec.path must be absolute");
        }
        if (argv.isEmpty()) {
            throw fail("exec.argv must hold argv[0]");
        }
        if (cwd != null && !Paths.absolute(cwd)) {
            throw fail("exec.cwd must be absolute");
        }
        for (Map.Entry<String, String> kv : env.entrySet()) {
            if (kv.getKey().isEmpty() || kv.getKey().indexOf('=') >= 0 || kv.getKey().indexOf('\0') >= 0
                    || kv.getValue() == null || kv.getValue().indexOf('\0') >= 0) {
                throw fail("bad environment entry " + kv.getKey());
            }
        }
        for (String a : argv) {
            if (a == null || a.indexOf('\0') >= 0) {
                throw fail("bad argv entry");
            }
        }
    }

    private static SpecException fail(String message) {
        return new SpecException(NAME, SpecException.EINVAL, message);
    }
}
