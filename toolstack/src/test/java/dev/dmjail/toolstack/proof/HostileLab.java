package dev.dmjail.toolstack.proof;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmjail.toolstack.CliRun;
import dev.dmjail.toolstack.HostExpect;
import dev.dmjail.toolstack.TestHost;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The hostile-device-model scenario: a normal victim domain (the demo guest, real QEMU), host-side
 * bait (a 127.0.0.1 TCP listener, an abstract unix socket, a SysV shared-memory segment), and
 * {@link #run} which creates a domain whose device model is {@code src/test/c/hostile.c}, with any
 * set of layer switches off, and returns what each attack got plus the victim's and host's health.
 */
public final class HostileLab implements AutoCloseable {

    public static final int MEMORY_MIB = 32;
    /** memory + the host default cgroup_memory_overhead_mib (384): the domain's memory cgroup limit. */
    public static final int MEM_LIMIT_MIB = MEMORY_MIB + 384;

    /**
     * One attack line of the hostile log: ATTACK name DENIED|ALLOWED detail. {@code planned} marks an
     * access the domain's plan grants on purpose (opening /dev/kvm when it runs on KVM): the
     * device model got it, but it is not an escape.
     */
    public record Attack(String name, boolean allowed, String detail, boolean planned) {
        /** The errno that stopped it (first word of the detail), or "-" when none is given. */
        public String errno() {
            String w = detail.split(" ", 2)[0];
            return w.matches("E[A-Z0-9]+") ? w : "-";
        }
    }

    /** One hostile run. */
    public record Outcome(String tag, Set<String> off, String accel, CliRun create, Map<String, Attack> attacks,
                          List<String> log, boolean victimAlive, int victimAudit, boolean hostResponsive,
                          int tcpConnections, int abstractConnections, List<String> leftovers) {
        /** Attacks that got through, less the accesses the plan grants. */
        public List<String> allowed() {
            return attacks.values().stream().filter(a -> a.allowed() && !a.planned()).map(Attack::name).toList();
        }

        /** Accesses the plan grants that the device model used (e.g. /dev/kvm under KVM). */
        public List<String> planned() {
            return attacks.values().stream().filter(a -> a.allowed() && a.planned()).map(Attack::name).toList();
        }
    }

    /**
     * The attacks that are planned accesses for a domain on {@code accel}: under KVM the device model
     * is meant to open /dev/kvm (it is the one extra node in its /dev and its cgroup ACL).
     */
    public static Set<String> plannedAccesses(String accel) {
        return accel.equals("kvm") ? Set.of("open-dev-kvm") : Set.of();
    }

    /**
     * Attacks that get through with every layer on and that no dmjail layer can stop, each
     * documented with its numbers: under KVM, per-vCPU dirty rings are allocated by KVM with plain
     * vzalloc, outside the memory cgroup (docs/proof/kvm.md). Tests assert exactly this set, so a
     * new breach fails them and so does a kernel that starts charging the rings.
     */
    public static Set<String> knownResiduals(String accel) {
        return accel.equals("kvm") ? Set.of("kvm-dirty-ring") : Set.of();
    }

    public final Path dir;
    public final TestHost host;
    /** The accelerator the host config pins for the victim and every hostile domain ("tcg" or "kvm"). */
    public final String accel;
    /** The victim's name: cgroups are host-wide, so labs for different accelerators need different names. */
    public final String victim;
    public final Path hostile;
    private final Path victimImage;
    private long victimPid;
    private long victimStart;
    private ServerSocket tcp;
    private final AtomicInteger tcpCount = new AtomicInteger();
    private Process abstractListener;
    private final AtomicInteger abstractCount = new AtomicInteger();
    private final String abstractName;
    private int shmid = -1;

    public HostileLab(Path tmp, String accel) throws Exception {
        ProofSupport.ensureRangeInstalled();
        this.dir = ProofSupport.openDir(tmp);
        this.accel = accel;
        this.victim = "pf-victim-" + accel;
        this.abstractName = "dmjail-proof-" + ProcessHandle.current().pid() + "-" + accel;
        this.host = new TestHost(dir, "qmp_timeout_ms = 60000", HostExpect.accelLine(accel));
        this.hostile = ProofSupport.compile("hostile");
        this.victimImage = dir.resolve("victim.img");
        try {
            start();
        } catch (Exception e) {
            close(); // a half-made lab leaves no victim, listener or segment behind
            throw e;
        }
    }

    private void start() throws Exception {
        Files.copy(ProofSupport.GUEST, victimImage);
        Files.setPosixFilePermissions(victimImage, PosixFilePermissions.fromString("rw-r-----"));
        Path cfg = host.domain("victim.cfg", "name = \"" + victim + "\"", "type = \"hvm\"", "memory = 32", "vcpus = 1",
                "disk = [ \"format=raw, vdev=hda, access=rw, target=" + victimImage + "\" ]", "serial = \"pty\"",
                "vnc = 0", "boot = \"c\"", "dm_restrict = 1");
        CliRun c = host.run("create", cfg.toString());
        if (c.exit() != 0) {
            host.run("destroy", victim);
            throw new IllegalStateException("victim create failed: " + c.err() + c.out());
        }
        JsonNode v = ProofSupport.listed(host, victim);
        victimPid = v.get("pid").asLong();
        victimStart = ProcessHandle.of(victimPid).orElseThrow().info().startInstant().orElseThrow().toEpochMilli();
        tcp = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!tcp.isClosed()) {
                try (Socket s = tcp.accept()) {
                    tcpCount.incrementAndGet();
                } catch (IOException e) {
                    return;
                }
            }
        }, "proof-tcp-bait");
        t.setDaemon(true);
        t.start();
        abstractListener = new ProcessBuilder(hostile.toString(), "--listen-abstract", abstractName)
                .redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(abstractListener.getInputStream(), StandardCharsets.UTF_8));
        String first = r.readLine();
        if (!"LISTENING".equals(first)) {
            throw new IllegalStateException("abstract listener: " + first);
        }
        Thread a = new Thread(() -> {
            try {
                for (String l; (l = r.readLine()) != null; ) {
                    if (l.equals("CONNECTED")) abstractCount.incrementAndGet();
                }
            } catch (IOException ignored) {
                // listener gone
            }
        }, "proof-abstract-bait");
        a.setDaemon(true);
        a.start();
        Process ipc = new ProcessBuilder("ipcmk", "-M", "4096", "-p", "0600").redirectErrorStream(true).start();
        String out = new String(ipc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        ipc.waitFor(10, TimeUnit.SECONDS);
        Matcher m = Pattern.compile("(\\d+)\\s*$").matcher(out.trim());
        if (m.find()) shmid = Integer.parseInt(m.group(1));
    }

    public long victimPid() { return victimPid; }

    public boolean victimAlive() {
        return ProcessHandle.of(victimPid).flatMap(h -> h.info().startInstant())
                .map(i -> i.toEpochMilli() == victimStart).orElse(false);
    }

    /** Creates the hostile domain with the given switches off, collects its attack report, destroys it. */
    public Outcome run(String tag, Set<String> off) throws Exception {
        // short enough to be its own key (DomainKey: at most 48 characters), so its paths read as its name
        String name = "pf-h-" + accel + "-" + tag.replace('_', '-').replace("namespaces-", "ns-");
        Path victimDir = host.stateDir.resolve("domains").resolve(victim);
        List<String> args = new ArrayList<>(List.of(
                "--victim-disk", victimImage.toString(),
                "--victim-qmp", victimDir.resolve("qmp.sock").toString(),
                "--victim-serial", victimDir.resolve("serial.sock").toString(),
                "--victim-console", host.logDir.resolve(victim + ".console").toString(),
                "--victim-state", victimDir.toString(),
                "--victim-pid", Long.toString(victimPid),
                "--toolstack-pid", Long.toString(ProcessHandle.current().pid()),
                "--tcp-port", Integer.toString(tcp.getLocalPort()),
                "--abstract", abstractName,
                "--shmid", Integer.toString(shmid),
                "--host-hostname", Files.readString(Path.of("/proc/sys/kernel/hostname")).strip(),
                "--mem-limit-mib", Integer.toString(MEM_LIMIT_MIB)));
        List<String> lines = new ArrayList<>(List.of("name = \"" + name + "\"", "type = \"hvm\"",
                "memory = " + MEMORY_MIB, "vcpus = 1", "vnc = 0", "dm_restrict = 1",
                "device_model_override = \"" + hostile + "\"",
                "device_model_args = [ " + String.join(", ", args.stream().map(s -> "\"" + s + "\"").toList()) + " ]"));
        for (String s : off) {
            lines.add("dmjail_" + s + " = 0");
        }
        Path cfg = host.domain(name + ".cfg", lines.toArray(String[]::new));
        int tcpBefore = tcpCount.get();
        int absBefore = abstractCount.get();
        CliRun create = host.run("create", cfg.toString());
        try {
            Integer uid = null;
            JsonNode d = ProofSupport.listed(host, name);
            if (d != null && d.hasNonNull("uid")) uid = d.get("uid").asInt();
            String key = d == null ? name : d.path("key").asText(name);
            String planned = d == null ? "none (create failed)" : HostExpect.plannedAccel(host, key);
            if (d != null && !planned.equals(accel)) {
                throw new IllegalStateException(name + " was planned on " + planned + ", not the pinned " + accel);
            }
            Path log = host.logDir.resolve(key + ".log");
            List<String> logLines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            Path keep = Files.createDirectories(Path.of("target", "proof")).resolve("hostile-" + accel + "-" + tag + ".log");
            List<String> kept = new ArrayList<>(List.of("# create exit " + create.exit() + ": " + create.err().strip()));
            kept.addAll(logLines);
            Files.write(keep, kept);
            Map<String, Attack> attacks = new LinkedHashMap<>();
            for (String l : logLines) {
                if (l.startsWith("ATTACK ")) {
                    String[] f = l.split(" ", 4);
                    attacks.put(f[1], new Attack(f[1], f[2].equals("ALLOWED"), f.length > 3 ? f[3] : "",
                            plannedAccesses(accel).contains(f[1])));
                }
            }
            boolean alive = victimAlive();
            if (!alive) {
                Path vl = host.logDir.resolve(victim + ".log");
                List<String> why = new ArrayList<>(List.of("# victim pid " + victimPid + " gone after run " + tag));
                if (Files.exists(vl)) why.addAll(Files.readAllLines(vl));
                Files.write(Path.of("target", "proof", "victim-" + accel + "-" + tag + ".log"), why);
            }
            int audit = host.run("audit", victim).exit();
            long t0 = System.nanoTime();
            boolean responsive = host.run("list").exit() == 0 && new ProcessBuilder("true").start().waitFor(5, TimeUnit.SECONDS);
            responsive &= System.nanoTime() - t0 < 5_000_000_000L;
            Thread.sleep(200); // let the bait threads count a late connection
            int tcpN = tcpCount.get() - tcpBefore;
            int absN = abstractCount.get() - absBefore;
            host.run("destroy", name);
            List<String> left = ProofSupport.leftovers(host, name, uid);
            for (String p : List.of("/etc", "/var/lib", "/var/tmp", "/tmp")) {
                try (var ds = Files.newDirectoryStream(Path.of(p), ".dmjail-hostile-*")) {
                    ds.forEach(f -> left.add("file " + f));
                }
            }
            return new Outcome(tag, off, accel, create, attacks, logLines, alive, audit, responsive, tcpN, absN, left);
        } catch (Exception | Error e) {
            host.run("destroy", name); // a failed run leaves no hostile device model for the runs after it
            throw e;
        }
    }

    @Override
    public void close() throws Exception {
        host.run("destroy", victim);
        if (tcp != null) tcp.close();
        if (abstractListener != null) {
            abstractListener.destroyForcibly();
            abstractListener.waitFor(5, TimeUnit.SECONDS);
        }
        if (shmid >= 0) {
            new ProcessBuilder("ipcrm", "-m", Integer.toString(shmid)).start().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
