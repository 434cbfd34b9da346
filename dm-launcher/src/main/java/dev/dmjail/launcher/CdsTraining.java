package dev.dmjail.launcher;

import dev.dmjail.launcher.spec.LaunchSpec;
import dev.dmjail.launcher.spec.SpecReader;
import java.nio.charset.StandardCharsets;

/**
 * {@code LauncherMain --cds-training}: what the build runs under
 * {@code -XX:ArchiveClassesAtExit=target/dm-launcher.jsa} so the archive holds every class of a
 * real start (streaming Jackson, jnr-ffi with its generated stubs' support classes, libseccomp
 * filter building, every step's prepare). A dry run: nothing is changed on the host.
 */
final class CdsTraining {
    private CdsTraining() {}

    static void run() {
        String tmp = System.getProperty("java.io.tmpdir");
        String json = "{\"domainName\":\"cds-training\","
                + "\"fds\":[{\"target\":0,\"kind\":\"DEV_NULL\"},{\"target\":1,\"kind\":\"FILE\",\"path\":\"/dev/null\","
                + "\"write\":true,\"append\":false},{\"target\":3,\"kind\":\"UNIX_LISTEN\",\"path\":\"" + tmp
                + "/cds.sock\"}],\"cgroupProcs\":[],"
                + "\"namespaces\":{\"mount\":true,\"ipc\":true,\"uts\":true,\"net\":true,\"pid\":true,\"hostname\":\"x\"},"
                + "\"root\":{\"mountPoint\":\"" + tmp + "\",\"readOnlyBinds\":[],\"symlinks\":{\"/lib64\":\"usr/lib64\"},"
                + "\"devices\":[{\"name\":\"null\",\"major\":1,\"minor\":3,\"mode\":438}],\"writableDirs\":[\"/tmp\"],"
                + "\"tmpfsBytes\":1048576},"
                + "\"rlimits\":[{\"resource\":\"CORE\",\"soft\":0,\"hard\":0}],"
                + "\"identity\":{\"uid\":65534,\"gid\":65534,\"clearCapabilities\":true,\"noNewPrivs\":true},"
                + "\"seccomp\":{\"denyEperm\":[\"ptrace\"],\"denyEnosys\":[\"clone3\"],\"denyCloneNamespaceFlags\":true},"
                + "\"exec\":{\"path\":\"/bin/true\",\"argv\":[\"true\"],\"env\":{\"PATH\":\"/\"},\"cwd\":\"/\"}}";
        try {
            LaunchSpec spec = SpecReader.read(json.getBytes(StandardCharsets.UTF_8));
            Preload.run();
            Launcher.run(spec, true);
            Json.error(new LaunchException("x", 1, "y"));
            System.out.println(Json.dryRun());
        } catch (Exception | LinkageError e) {
            // the archive still holds what was loaded; the build must not fail for it
            System.err.println("dm-launcher: cds-training: " + e);
        }
        System.exit(0); // not halt(): the dynamic archive is written at a normal VM exit
    }
}
