package dev.dmjail.toolstack.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.toolstack.layer.LayerKeys;
import dev.dmjail.toolstack.layer.LayerStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The layers' host keys: declared by the layer, read by the loader, old names kept as aliases. */
class HostConfigAliasTest {

    @TempDir
    Path tmp;

    private HostPolicy load(String text) throws Exception {
        Path f = tmp.resolve("dmjail.conf");
        Files.writeString(f, text);
        return HostConfigLoader.load(f, true);
    }

    @Test
    void everyDeclaredKeyIsReadAndEveryLayerPrefixedKeyIsDeclared() throws Exception {
        Matcher m = Pattern.compile("v\\.\\w+\\(\"([a-z0-9_]+)\"")
                .matcher(Files.readString(Path.of("src/main/java/dev/dmjail/toolstack/host/HostConfigLoader.java")));
        Set<String> read = new LinkedHashSet<>();
        while (m.find()) {
            read.add(m.group(1));
        }
        for (LayerKeys k : LayerStack.KEYS) {
            assertTrue(read.containsAll(k.hostKeys()), k.layer() + ": " + k.hostKeys() + " not all read by the loader");
            String p = LayerKeys.keyName(k.layer());
            for (String key : read) {
                if (key.equals(p) || key.startsWith(p + "_")) {
                    assertTrue(k.hostKeys().contains(key), key + " is named by layer " + k.layer() + " but not declared by it");
                }
            }
            for (String old : k.hostAliases().keySet()) {
                assertFalse(read.contains(old), old + " is an alias, the loader must read its new name");
            }
        }
    }

    @Test
    void oldNamesReadAsTheNew() throws Exception {
        HostPolicy p = load("private_root = 0\nsecurity_driver = none\nlauncher_seccomp = 0\ntmpfs_kib = 128\n"
                + "rlimit_fsize_kib = 512\nrlimit_nofile = 2048\nmemory_overhead_mib = 64\npids_max = 64\n");
        HostPolicy n = load("filesystem = 0\nselinux = 0\nseccomp_launcher = 0\nfilesystem_tmpfs_kib = 128\n"
                + "rlimits_fsize_kib = 512\nrlimits_nofile = 2048\ncgroup_memory_overhead_mib = 64\ncgroup_pids_max = 64\n");
        assertEquals(n, p);
        assertFalse(n.filesystem());
        assertFalse(n.selinux());
        assertEquals(64, n.cgroupPidsMax());
        assertTrue(load("security_driver = selinux\n").selinux());
    }

    @Test
    void errorsNameTheKeyAsWritten() {
        var e = assertThrows(HostConfigException.class, () -> load("# c\nsecurity_driver = apparmor\n"));
        assertEquals(tmp.resolve("dmjail.conf") + ":2: security_driver: expected one of none, selinux, got 'apparmor'",
                e.getMessage());
        e = assertThrows(HostConfigException.class, () -> load("pids_max = 3\n"));
        assertEquals(tmp.resolve("dmjail.conf") + ":1: pids_max: value 3 out of range [16, 4194304]", e.getMessage());
        e = assertThrows(HostConfigException.class, () -> load("private_root = 0\nfilesystem = 1\n"));
        assertEquals(tmp.resolve("dmjail.conf") + ":1: private_root: the same setting as filesystem on line 2; keep filesystem only",
                e.getMessage());
    }
}
