package dev.dmjail.toolstack.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.toolstack.HostExpect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 4, part 1: a hostile device model next to a victim domain. Fully confined, every attack is
 * denied, the victim keeps running with a passing audit, the host stays responsive and the bait
 * on the host saw nothing. Two single-layer ablations show that the harness does see a breach when
 * there is one (the full matrix is {@code proof/ablation}, see docs/proof/README.md).
 */
class HostileTest {

    /** Every attack hostile.c runs; the fully confined run must report each one, DENIED. */
    static final List<String> ATTACKS = List.of("inherited-fds", "read-etc-shadow", "read-shadow-via-proc1-root",
            "read-victim-state", "write-etc", "write-var-lib", "write-var-tmp", "open-victim-disk-rw",
            "open-victim-disk-ro", "read-victim-console", "connect-victim-qmp", "connect-victim-serial", "kill-victim", "kill-toolstack",
            "ptrace-victim", "ptrace-toolstack", "process-vm-readv-victim", "list-proc", "setuid-0", "setgid-0",
            "capset", "mount", "unshare-user", "unshare-mount", "clone-newuser", "setns-host-mnt", "pivot-root",
            "chroot", "sethostname-host", "sysv-shm-host", "init-module", "finit-module", "kexec-load", "bpf",
            "perf-event-open", "add-key", "keyctl", "io-uring-setup", "userfaultfd", "open-dev-mem", "open-dev-vda",
            "open-dev-kvm", "mknod-dev-mem", "connect-host-tcp", "connect-host-abstract", "cgroup-escape",
            "write-past-fsize", "fill-tmp-64m", "fork-bomb", "memory-balloon", "kvm-many-vms", "kvm-many-vcpus",
            "kvm-memslot-metadata", "kvm-dirty-ring", "kvm-guest-memfd", "kvm-system-ioctls", "kvm-module-params");

    @TempDir
    static Path tmp;
    /** One lab (victim + bait) per accelerator, made on first use: the host config pins the accelerator. */
    static final Map<String, HostileLab> LABS = new HashMap<>();
    /** A lab that could not be set up fails every test of its accelerator with the same cause. */
    static final Map<String, Exception> BROKEN = new HashMap<>();

    static HostileLab lab(String accel) throws Exception {
        HostExpect.assumeAccelerator(accel);
        if (BROKEN.containsKey(accel)) throw new IllegalStateException("the " + accel + " lab failed", BROKEN.get(accel));
        HostileLab lab = LABS.get(accel);
        if (lab == null) {
            ProofSupport.openDir(tmp);
            try {
                lab = new HostileLab(Files.createDirectories(tmp.resolve(accel)), accel);
            } catch (Exception e) {
                BROKEN.put(accel, e);
                throw e;
            }
            LABS.put(accel, lab);
        }
        return lab;
    }

    @AfterAll
    static void tearDown() throws Exception {
        for (HostileLab lab : LABS.values()) lab.close();
    }

    static void assertVictimAndHostFine(HostileLab.Outcome o) {
        assertTrue(o.victimAlive(), "the victim's QEMU was harmed");
        assertEquals(0, o.victimAudit(), "the victim's audit no longer passes");
        assertTrue(o.hostResponsive(), "the host did not answer within 5 s");
        assertEquals(List.of(), o.leftovers(), "the hostile domain left something behind");
    }

    /**
     * Under TCG /dev/kvm is not in the device model's root nor its cgroup ACL, so open-dev-kvm is
     * denied like any other device; under KVM it is the one planned access, recorded as such, and
     * what the device model can do with it beyond its own guest is the kvm-* attacks' business.
     */
    @ParameterizedTest(name = "accel = {0}")
    @MethodSource("dev.dmjail.toolstack.HostExpect#accelerators")
    void fullyConfinedEveryAttackIsDenied(String accel) throws Exception {
        HostileLab.Outcome o = lab(accel).run("full", Set.of());
        String log = String.join("\n", o.log());
        assertEquals(0, o.create().exit(), "create of the hostile domain: " + o.create().err() + "\n" + log);
        assertEquals(new TreeSet<>(ATTACKS), new TreeSet<>(o.attacks().keySet()), "attacks reported:\n" + log);
        List<String> bad = new ArrayList<>();
        o.attacks().values().forEach(a -> {
            boolean residual = HostileLab.knownResiduals(accel).contains(a.name());
            if ((a.allowed() && !a.planned() && !residual) || a.detail().startsWith("SKIPPED")) bad.add(a.name() + " " + a.detail());
        });
        assertEquals(List.of(), bad, "attacks not denied:\n" + log);
        assertEquals(new TreeSet<>(HostileLab.plannedAccesses(accel)), new TreeSet<>(o.planned()),
                "planned accesses under " + accel + ":\n" + log);
        assertEquals(new TreeSet<>(HostileLab.knownResiduals(accel)), new TreeSet<>(o.allowed()),
                "what gets through with every layer on is exactly the documented residual (docs/proof/kvm.md):\n" + log);
        if (!accel.equals("kvm")) {
            for (String a : ATTACKS) {
                if (a.startsWith("kvm-") || a.equals("open-dev-kvm")) {
                    assertEquals("ENOENT", o.attacks().get(a).errno(), a + ": no /dev/kvm in the root under " + accel);
                }
            }
        }
        assertEquals("OOM-KILLED", o.attacks().get("memory-balloon").detail().split(" ")[0],
                "the memory cgroup stops the balloon: " + o.attacks().get("memory-balloon"));
        assertEquals(0, o.tcpConnections(), "the host's TCP bait saw a connection");
        assertEquals(0, o.abstractConnections(), "the host's abstract socket saw a connection");
        assertVictimAndHostFine(o);
    }

    /**
     * The harness is not vacuous: with the launcher's seccomp filter off, the attacks that only
     * seccomp stops get through (and nothing else does), as the ablation matrix records.
     */
    @ParameterizedTest(name = "accel = {0}")
    @MethodSource("dev.dmjail.toolstack.HostExpect#accelerators")
    void withoutSeccompOnlyItsSinglePointsOfFailureGetThrough(String accel) throws Exception {
        HostileLab.Outcome o = lab(accel).run("no-seccomp", Set.of("seccomp"));
        assertEquals(0, o.create().exit(), o.create().err());
        Set<String> want = new TreeSet<>(List.of("unshare-user", "clone-newuser", "perf-event-open", "add-key", "keyctl",
                "userfaultfd"));
        want.addAll(HostileLab.knownResiduals(accel));
        assertEquals(want, new TreeSet<>(o.allowed()), String.join("\n", o.log()));
        assertVictimAndHostFine(o);
    }

    /**
     * Without the net namespace, Landlock is the second layer: its abstract-unix-socket scope refuses
     * the host's abstract socket (EPERM) and its TCP rule (with seccomp's socket-family rule) the host's
     * loopback. Only with Landlock off too is the abstract-socket bait reached, and only with seccomp and
     * Landlock off does the TCP bait see the connection the hostile log claims: the harness is not vacuous.
     */
    @ParameterizedTest(name = "accel = {0}")
    @MethodSource("dev.dmjail.toolstack.HostExpect#accelerators")
    void withoutTheNetNamespaceTheBaitIsReached(String accel) throws Exception {
        HostileLab lab = lab(accel);
        // Landlock's scopes need ABI 6, its TCP rule ABI 4; a kernel without them plans less (and says so)
        int abi = dev.dmjail.toolstack.layer.LandlockLayer.abi();
        HostileLab.Outcome o = lab.run("no-namespaces_net", Set.of("namespaces_net"));
        assertEquals(0, o.create().exit(), o.create().err());
        Set<String> want = new TreeSet<>(HostileLab.knownResiduals(accel));
        if (abi < 6) {
            want.add("connect-host-abstract");
        }
        assertEquals(want, new TreeSet<>(o.allowed()), String.join("\n", o.log()));
        assertEquals(abi < 6 ? 1 : 0, o.abstractConnections(), "Landlock's scope keeps the host's abstract socket out of reach");
        assertEquals(0, o.tcpConnections(), "seccomp keeps TCP off even without the net namespace");
        assertVictimAndHostFine(o);

        HostileLab.Outcome noLandlock = lab.run("no-namespaces_net-no-landlock", Set.of("namespaces_net", "landlock"));
        assertEquals(0, noLandlock.create().exit(), noLandlock.create().err());
        want.add("connect-host-abstract"); // (a no-op when the kernel's Landlock has no scopes)
        assertEquals(want, new TreeSet<>(noLandlock.allowed()), String.join("\n", noLandlock.log()));
        assertTrue(noLandlock.attacks().get("connect-host-tcp").detail().contains("EAFNOSUPPORT"),
                noLandlock.attacks().get("connect-host-tcp").toString());
        assertEquals(1, noLandlock.abstractConnections(), "the abstract-socket bait confirms the connection");
        assertVictimAndHostFine(noLandlock);

        HostileLab.Outcome noSeccomp = lab.run("no-namespaces_net-no-seccomp", Set.of("namespaces_net", "seccomp"));
        assertEquals(0, noSeccomp.create().exit(), noSeccomp.create().err());
        assertEquals(abi < 4, noSeccomp.allowed().contains("connect-host-tcp"), "Landlock's TCP rule (ABI " + abi + "): "
                + String.join("\n", noSeccomp.log()));
        assertEquals(abi < 4 ? 1 : 0, noSeccomp.tcpConnections(), "Landlock keeps TCP off without seccomp and the net namespace");
        assertVictimAndHostFine(noSeccomp);

        HostileLab.Outcome all = lab.run("no-namespaces_net-no-seccomp-no-landlock", Set.of("namespaces_net", "seccomp", "landlock"));
        assertEquals(0, all.create().exit(), all.create().err());
        assertTrue(all.allowed().contains("connect-host-tcp") && all.allowed().contains("connect-host-abstract"),
                String.join("\n", all.log()));
        assertEquals(1, all.tcpConnections(), "the TCP bait confirms the connection");
        assertVictimAndHostFine(all);
    }
}
