package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmjail.toolstack.proof.ProofSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * xl's on_poweroff / on_reboot / on_crash carried out by QEMU itself (plan/ShutdownActions) on a real
 * Debian guest ({@link GuestKernel}, TCG) that powers off, reboots or panics (sysrq c, seen through
 * the pvpanic device) as its command line says: "destroy" leaves nothing once the next `list` has
 * cleaned up (lifecycle/GoneDomains), "preserve" keeps the stopped guest with xl's state letter,
 * "restart" on reboot boots it again. Combinations QEMU cannot carry out are refused at create.
 */
class LifecycleActionsTest {

    private static final String INIT = String.join("\n",
            "#!/bin/sh",
            "export PATH=/bin",
            "busybox mount -t proc proc /proc; busybox mount -t sysfs sys /sys",
            GuestKernel.LOAD_MODULES,
            "echo lf-boot",
            "busybox sleep 1",
            "case \"$(busybox cat /proc/cmdline)\" in",
            "  *lf.do=poweroff*) echo lf-poweroff; busybox poweroff -f;;",
            "  *lf.do=reboot*) echo lf-reboot; busybox reboot -f;;",
            "  *lf.do=panic*) echo lf-panic; echo c > /proc/sysrq-trigger;;",
            "esac",
            "while true; do busybox sleep 1000; done", "");

    @TempDir
    Path tmp;

    @BeforeAll
    static void rangeProvisioned() {
        RangeUsers.ensureInstalled();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "lf-off-destroy|poweroff||gone",
        "lf-off-keep|poweroff|on_poweroff = \"preserve\";on_crash = \"preserve\"|shutdown ---s--",
        "lf-reb-destroy|reboot|on_reboot = \"destroy\"|gone",
        "lf-reb-keep|reboot|on_reboot = \"preserve\";on_poweroff = \"preserve\";on_crash = \"preserve\"|shutdown ---s--",
        "lf-reb-restart|reboot||booted twice",
        "lf-pan-destroy|panic||gone",
        "lf-pan-keep|panic|on_crash = \"preserve\"|guest-panicked ----c-",
    })
    void theGuestsActionIsCarriedOut(String name, String action, String keys, String outcome) throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        Path cfg = guestConfig(host, name, action, keys);
        CliRun r = host.run("create", cfg.toString());
        assertEquals(0, r.exit(), r.err());
        try {
            if (outcome.equals("gone")) {
                assertTrue(Wait.until(180, () -> ProofSupport.listed(host, name) == null),
                        "list cleans up the domain whose device model exited: " + host.run("list").out());
                assertEquals(List.of(), ProofSupport.leftovers(host, name, null));
                assertTrue(Files.readString(host.logDir.resolve(name + ".console")).contains("lf-" + action),
                        "the console log is kept");
            } else if (outcome.equals("booted twice")) {
                assertTrue(Wait.until(240, () -> count(host.run("console", "-r", name).out(), "lf-boot") >= 2),
                        host.run("console", "-r", name).out());
                assertEquals("running", ProofSupport.listed(host, name).get("state").asText());
            } else {
                String[] want = outcome.split(" ");
                assertTrue(Wait.until(180, () -> {
                    JsonNode d = ProofSupport.listed(host, name);
                    return d != null && d.get("state").asText().equals(want[0]);
                }), "state " + want[0] + ": " + host.run("list").out() + host.run("console", "-r", name).out());
                JsonNode d = ProofSupport.listed(host, name);
                assertEquals(want[1], d.get("xl_state").asText());
                assertTrue(host.run("list").out().contains(want[1] + " " + want[0]), host.run("list").out());
            }
        } finally {
            assertEquals(0, host.run("destroy", name).exit());
        }
        assertEquals(List.of(), ProofSupport.leftovers(host, name, null));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "on_poweroff = \"restart\"|on_poweroff: on_poweroff = \"restart\" is carried out by the host's watcher (dmjail watch",
        "on_crash = \"coredump-destroy\"|on_crash: on_crash = \"coredump-destroy\" is carried out by the host's watcher",
        "on_poweroff = \"soft-reset\"|on_poweroff: on_poweroff = \"soft-reset\" is not honoured: soft-reset is Xen's kexec",
        "on_reboot = \"rename-restart\"|on_reboot: on_reboot = \"rename-restart\" is not honoured",
        "on_reboot = \"destroy\";on_poweroff = \"preserve\";on_crash = \"preserve\"|on_reboot: on_reboot = \"destroy\" with on_poweroff = \"preserve\" cannot be honoured",
        "on_poweroff = \"preserve\"|:3: on_poweroff: on_crash = \"destroy\" with on_poweroff = \"preserve\" is carried out by the host's watcher",
    })
    void whatQemuCannotCarryOutIsRefused(String keys, String expected) throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        Path cfg = host.domain("lf-ref.cfg", lines("lf-ref", keys, "memory = 32", "dm_restrict = 1"));
        CliRun r = host.run("create", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertEquals(List.of(), ProofSupport.leftovers(host, "lf-ref", null));
    }

    @Test
    void theArgvCarriesTheActions() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        Path cfg = host.domain("lf-argv.cfg", lines("lf-argv", "on_poweroff = \"preserve\";on_crash = \"preserve\"", "memory = 32", "dm_restrict = 1"));
        CliRun dry = host.run("create", "-n", cfg.toString());
        assertEquals(0, dry.exit(), dry.err());
        List<String> argv = ProofSupport.JSON.convertValue(ProofSupport.JSON.readTree(dry.out()).at("/plan/argv"),
                ProofSupport.JSON.getTypeFactory().constructCollectionType(List.class, String.class));
        assertEquals("shutdown=pause,reboot=reset,panic=pause", argv.get(argv.indexOf("-action") + 1));
        assertTrue(argv.contains("pvpanic"), argv.toString());
    }

    private Path guestConfig(TestHost host, String name, String action, String keys) throws Exception {
        Path kernel = tmp.resolve("vmlinuz");
        if (!Files.exists(kernel)) {
            Files.copy(GuestKernel.kernel(), kernel);
            Files.setPosixFilePermissions(kernel, PosixFilePermissions.fromString("rw-r--r--"));
        }
        Path initrd = GuestKernel.initramfs(tmp.resolve("initrd.cpio"), INIT, "pvpanic_mmio");
        String[] base = lines(name, keys == null ? "" : keys, "memory = 192", "dm_restrict = 1",
                "kernel = \"" + kernel + "\"", "ramdisk = \"" + initrd + "\"",
                "extra = \"console=ttyS0 lf.do=" + action + "\"", "serial = \"pty\"");
        return host.domain(name + ".cfg", base);
    }

    private static String[] lines(String name, String keys, String... more) {
        List<String> l = new java.util.ArrayList<>(List.of("name = \"" + name + "\"", "type = \"hvm\""));
        for (String k : keys.split(";")) {
            if (!k.isBlank()) {
                l.add(k);
            }
        }
        l.addAll(List.of(more));
        return l.toArray(new String[0]);
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }


}
