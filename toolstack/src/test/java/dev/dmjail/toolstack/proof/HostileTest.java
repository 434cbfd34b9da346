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
     * Without the net namespace the abstract-socket bait is reached; TCP to the host's loopback is
     * still refused by the seccomp socket-family rule (the second layer added for it), and only
     * with both off does the TCP bait see the connection the hostile log claims.
     */
    @ParameterizedTest(name = "accel = {0}")
    @MethodSource("dev.dmjail.toolstack.HostExpect#accelerators")
    void withoutTheNetNamespaceTheBaitIsReached(String accel) throws Exception {
        HostileLab lab = lab(accel);
        HostileLab.Outcome o = lab.run("no-ns_net", Set.of("ns_net"));
        assertEquals(0, o.create().exit(), o.create().err());
        Set<String> want = new TreeSet<>(List.of("connect-host-abstract"));
        want.addAll(HostileLab.knownResiduals(accel));
        assertEquals(want, new TreeSet<>(o.allowed()), String.join("\n", o.log()));
        assertTrue(o.attacks().get("connect-host-tcp").detail().contains("EAFNOSUPPORT"), o.attacks().get("connect-host-tcp").toString());
        assertEquals(0, o.tcpConnections(), "seccomp keeps TCP off even without the net namespace");
        assertEquals(1, o.abstractConnections(), "the abstract-socket bait confirms the connection");
        assertVictimAndHostFine(o);

        HostileLab.Outcome both = lab.run("no-ns_net-no-seccomp", Set.of("ns_net", "seccomp"));
        assertEquals(0, both.create().exit(), both.create().err());
        assertTrue(both.allowed().contains("connect-host-tcp") && both.allowed().contains("connect-host-abstract"),
                String.join("\n", both.log()));
        assertEquals(1, both.tcpConnections(), "the TCP bait confirms the connection");
        assertVictimAndHostFine(both);
    }
}
