package dev.dmjail.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmjail.config.ParsedDomain;
import dev.dmjail.config.XlConfigLoader;
import dev.dmjail.toolstack.cli.Toolstack;
import dev.dmjail.toolstack.host.HostConfigLoader;
import dev.dmjail.toolstack.host.HostFacts;
import dev.dmjail.toolstack.layer.CgroupLayer;
import dev.dmjail.toolstack.layer.LayerPlan;
import dev.dmjail.toolstack.lifecycle.DomainManager;
import dev.dmjail.toolstack.qmp.QmpClient;
import dev.dmjail.uidrange.PosixUserDatabase;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Not a test: create-to-QMP-ready and destroy times of dmjail against bare qemu-system-x86_64
 * started as root with the same guest, side by side in one run, for each accelerator this host
 * offers (TCG always, KVM when {@link HostFacts#kvmUsable()}): bare QEMU gets {@code -accel tcg,tb-size=64}
 * or {@code -accel kvm}, exactly as dmjail's QemuCommandBuilder writes them, and dmjail gets the host
 * config key {@code accel = tcg} or {@code accel = kvm}. Both sides are checked (QMP query-kvm) to
 * run on the accelerator they were given. Also prints what dmjail leaves resident per domain besides
 * QEMU and the median of each create step (StepTimer). Run by bench/run; prints medians and ratios
 * against the bare baseline of the same run and never asserts on wall time.
 *
 * <p>System properties: {@code bench.steps=true} also prints every create's step log lines;
 * {@code bench.accels=tcg} (comma-separated) restricts the accelerators measured.
 */
public final class CreateBench {

    private static final String QEMU = "/usr/bin/qemu-system-x86_64";
    /** Both sides poll QMP at the same interval: DomainManager.waitForQmp sleeps 5 ms between tries. */
    private static final long QMP_POLL_MS = 5;

    /** Everything measured for one accelerator. */
    private static final class Series {
        final String accel;
        final String domain;
        final List<Long> bareCreate = new ArrayList<>();
        final List<Long> bareDestroy = new ArrayList<>();
        final List<Long> jailCreate = new ArrayList<>();
        final List<Long> jailDestroy = new ArrayList<>();
        long residentBesidesQemu;
        String residentWhere = "no cgroup of the domain found";
        long bareQemuRss;
        long jailQemuRss;
        ParsedDomain parsed;
        DomainManager manager;

        Series(String accel) {
            this.accel = accel;
            this.domain = "bn-bench-" + accel;
        }
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        StepLog steps = StepLog.install(Boolean.getBoolean("bench.steps"));
        Path image = Path.of(args.length > 1 ? args[1] : "toolstack/target/guest/hello-guest.img").toAbsolutePath();
        Path work = Files.createTempDirectory("dmjail-bench");
        HostFacts facts = HostFacts.detect();
        boolean kvm = facts.kvmUsable();

        List<String> accels = new ArrayList<>(List.of("tcg"));
        if (kvm) {
            accels.add("kvm");
        }
        String only = System.getProperty("bench.accels");
        if (only != null && !only.isBlank()) {
            accels.retainAll(List.of(only.split(",")));
        }

        System.out.printf(Locale.ROOT, "date: %s%n", Instant.now().truncatedTo(ChronoUnit.SECONDS));
        System.out.printf(Locale.ROOT, "machine: %d cpus, %s memory, kernel %s, %s, kvm %s%n",
                Runtime.getRuntime().availableProcessors(), memTotal(), osRelease(), qemuVersion(),
                kvm ? "usable" : "not usable");
        System.out.printf(Locale.ROOT, "load average at start: %s%n", loadAverage());
        System.out.printf(Locale.ROOT, "guest: 64 MiB, 1 vCPU, %s; %d runs per accelerator, after one warm-up each%n",
                image.getFileName(), n);
        System.out.println("accelerators measured: " + String.join(", ", accels)
                + (kvm ? (accels.contains("kvm") ? "" : " (kvm left out by -Dbench.accels)")
                       : " (kvm not measured: no usable /dev/kvm" + (Files.exists(Path.of("/dev/kvm"))
                               ? ", /dev/kvm exists but cannot run a guest)" : ", /dev/kvm absent)")));

        Map<String, Series> all = new LinkedHashMap<>();
        for (String accel : accels) {
            Series s = new Series(accel);
            Path conf = work.resolve("dmjail-" + accel + ".conf");
            Files.write(conf, List.of("state_dir = " + work.resolve("run"), "log_dir = " + work.resolve("log"),
                    "accel = " + accel, "image_dirs = " + image.getParent() + ", /dev"));
            Path cfg = work.resolve(s.domain + ".cfg");
            Files.write(cfg, List.of("name = \"" + s.domain + "\"", "type = \"hvm\"", "memory = 64", "vcpus = 1",
                    "disk = [ \"format=raw, vdev=hda, access=rw, target=" + image + "\" ]", "serial = \"pty\"", "vnc = 0",
                    "boot = \"c\"", "dm_restrict = 1"));
            s.manager = new Toolstack(HostConfigLoader.load(conf, true), facts, new PosixUserDatabase()).manager();
            s.parsed = XlConfigLoader.load(cfg, List.of());
            all.put(accel, s);
        }
        // Warm-up of every path (page cache, JIT of the toolstack itself), not counted; it also checks
        // that both sides run on the accelerator they were given.
        for (Series s : all.values()) {
            bare(s, image, work, null);
            jail(s, null);
        }
        steps.clear();
        // Interleaved: every run measures each accelerator's bare and dmjail create back to back, so
        // a change of load during the run hits the baseline and dmjail alike.
        for (int i = 0; i < n; i++) {
            for (Series s : all.values()) {
                bare(s, image, work, s);
                jail(s, s);
            }
        }

        System.out.printf(Locale.ROOT, "load average at end: %s%n", loadAverage());
        System.out.println();
        System.out.println("| accel | | bare QEMU | dmjail | difference | ratio |");
        System.out.println("|---|---|---|---|---|---|");
        for (Series s : all.values()) {
            row(s.accel, "create → QMP ready (median)", s.bareCreate, s.jailCreate);
            row(s.accel, "destroy (median)", s.bareDestroy, s.jailDestroy);
        }
        System.out.println();
        for (Series s : all.values()) {
            System.out.printf(Locale.ROOT, "%s: create min–max: bare %.1f–%.1f ms, dmjail %.1f–%.1f ms; "
                            + "destroy min–max: bare %.1f–%.1f ms, dmjail %.1f–%.1f ms%n", s.accel,
                    min(s.bareCreate), max(s.bareCreate), min(s.jailCreate), max(s.jailCreate),
                    min(s.bareDestroy), max(s.bareDestroy), min(s.jailDestroy), max(s.jailDestroy));
        }
        for (Series s : all.values()) {
            System.out.printf(Locale.ROOT, "%s: resident per domain besides QEMU: %d KiB (%s); QEMU RSS: bare %d KiB, "
                    + "dmjail %d KiB%n", s.accel, s.residentBesidesQemu, s.residentWhere, s.bareQemuRss, s.jailQemuRss);
        }
        for (Series s : all.values()) {
            Map<String, List<Long>> st = steps.of(s.domain);
            if (!st.isEmpty()) {
                StringBuilder b = new StringBuilder(s.accel + ": dmjail create steps (median ms):");
                st.forEach((step, ms) -> b.append(String.format(Locale.ROOT, " %s %.0f;", step, median(ms))));
                System.out.println(b.substring(0, b.length() - 1));
            }
        }
    }

    private static void row(String accel, String what, List<Long> bare, List<Long> jail) {
        double b = median(bare);
        double j = median(jail);
        System.out.printf(Locale.ROOT, "| %s | %s | %.1f ms | %.1f ms | %+.1f ms | %.2f |%n", accel, what, b, j, j - b, j / b);
    }

    /** One dmjail create and destroy; recorded into {@code into} unless null (warm-up). */
    private static void jail(Series s, Series into) throws Exception {
        long t0 = System.nanoTime();
        DomainManager.Created c = s.manager.create(s.parsed);
        long created = System.nanoTime() - t0;
        try {
            if (!c.plan().accel().equals(s.accel)) {
                throw new IllegalStateException("dmjail planned accel " + c.plan().accel() + ", asked for " + s.accel);
            }
            checkAccel("dmjail", Path.of(c.plan().paths().qmp()), s.accel);
            if (into != null) {
                into.residentBesidesQemu = Math.max(into.residentBesidesQemu, residentBesides(c, into));
                into.jailQemuRss = rssKiB(c.record().pid());
            }
        } catch (Exception e) {
            s.manager.destroy(c.record());
            throw e;
        }
        long t1 = System.nanoTime();
        s.manager.destroy(c.record());
        long destroyed = System.nanoTime() - t1;
        if (into != null) {
            into.jailCreate.add(created);
            into.jailDestroy.add(destroyed);
        }
    }

    /**
     * Bare QEMU as root, same guest, same accelerator argument as dmjail's QemuCommandBuilder, QMP on a
     * path socket; timed like dmjail's create (spawn to the first answered query-status, same poll
     * interval) and destroy (QMP quit until the process has exited).
     */
    private static void bare(Series s, Path image, Path work, Series into) throws Exception {
        Path sock = work.resolve("bare.qmp");
        Files.deleteIfExists(sock);
        long t0 = System.nanoTime();
        Process q = new ProcessBuilder(QEMU, "-nodefaults", "-no-user-config", "-display", "none",
                "-machine", "pc", "-accel", s.accel.equals("kvm") ? "kvm" : "tcg,tb-size=64", "-m", "64", "-smp", "1",
                "-drive", "file=" + image + ",format=raw,if=ide,index=0",
                "-serial", "file:" + work.resolve("bare.console"), "-qmp", "unix:" + sock + ",server=on,wait=off")
                .redirectErrorStream(true).redirectOutput(work.resolve("bare-" + s.accel + ".log").toFile()).start();
        try {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (true) {
                try (QmpClient c = QmpClient.connect(sock, deadline)) {
                    c.execute("query-status", deadline);
                    break;
                } catch (IOException e) {
                    if (System.nanoTime() > deadline || !q.isAlive()) {
                        throw new IOException("bare qemu (" + s.accel + ") did not answer QMP; see "
                                + work.resolve("bare-" + s.accel + ".log"), e);
                    }
                    Thread.sleep(QMP_POLL_MS);
                }
            }
            long created = System.nanoTime() - t0;
            checkAccel("bare qemu", sock, s.accel);
            if (into != null) {
                into.bareCreate.add(created);
                into.bareQemuRss = rssKiB((int) q.pid());
            }
            long t1 = System.nanoTime();
            try (QmpClient c = QmpClient.connect(sock, System.nanoTime() + 2_000_000_000L)) {
                c.execute("quit", System.nanoTime() + 2_000_000_000L);
            } catch (IOException ignored) {
                // quit closes the socket
            }
            q.waitFor();
            if (into != null) {
                into.bareDestroy.add(System.nanoTime() - t1);
            }
        } finally {
            if (q.isAlive()) {
                q.destroyForcibly().waitFor();
            }
        }
    }

    /** Asks QEMU itself (QMP query-kvm) whether it runs on KVM, so neither side silently falls back. */
    private static void checkAccel(String who, Path qmp, String accel) throws IOException {
        long deadline = System.nanoTime() + 2_000_000_000L;
        try (QmpClient c = QmpClient.connect(qmp, deadline)) {
            JsonNode r = c.execute("query-kvm", deadline);
            boolean onKvm = r.path("enabled").asBoolean(false);
            if (onKvm != accel.equals("kvm")) {
                throw new IllegalStateException(who + " was asked for " + accel + " but QMP query-kvm says " + r);
            }
        }
    }

    /**
     * KiB of resident memory of every process in the domain's cgroups (as its plan names them: the v1
     * hierarchies and the cgroup2 group this host has) other than QEMU, plus any live launcher of ours.
     */
    private static long residentBesides(DomainManager.Created c, Series into) throws IOException {
        int qemuPid = c.record().pid();
        Set<Integer> pids = new LinkedHashSet<>();
        List<String> read = new ArrayList<>();
        LayerPlan cg = c.plan().layer(CgroupLayer.NAME);
        if (cg.active()) {
            for (CgroupLayer.Group g : cg.settingsAs(CgroupLayer.Settings.class).groups()) {
                Path procs = Path.of(g.dir(), "cgroup.procs");
                if (Files.exists(procs)) {
                    read.add(g.version() + (g.controllers().isEmpty() ? "" : " " + g.controllers()));
                    for (String l : Files.readAllLines(procs)) {
                        if (!l.isBlank()) {
                            pids.add(Integer.parseInt(l.trim()));
                        }
                    }
                }
            }
        }
        if (!read.isEmpty()) {
            into.residentWhere = "cgroup.procs of its groups in " + String.join(", ", read) + "; and the launcher";
        } else {
            into.residentWhere = "the cgroup layer is " + cg.status() + "; only a live launcher counted";
        }
        long kib = 0;
        for (int p : pids) {
            if (p != qemuPid) {
                kib += rssKiB(p);
            }
        }
        // a launcher of ours that outlived its create (it should exit right after the spawn)
        for (ProcessHandle h : ProcessHandle.current().descendants().toList()) {
            if (!pids.contains((int) h.pid())
                    && h.info().command().orElse("").equals(launcherBinary())) {
                kib += rssKiB((int) h.pid());
            }
        }
        return kib;
    }

    /** The launcher's real path, as ProcessHandle.Info.command() (/proc/PID/exe) shows it. */
    private static String launcherBinary() {
        try {
            return java.nio.file.Path.of(dev.dmjail.toolstack.lifecycle.LauncherClient.command().get(0)).toRealPath().toString();
        } catch (java.io.IOException e) {
            return dev.dmjail.toolstack.lifecycle.LauncherClient.command().get(0);
        }
    }

    private static long rssKiB(int pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }

    private static String memTotal() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    return String.format(Locale.ROOT, "%.1f GiB", Long.parseLong(l.replaceAll("[^0-9]", "")) / 1048576.0);
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "? GiB";
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | ArrayIndexOutOfBoundsException e) {
            return "?";
        }
    }

    private static String osRelease() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    private static String qemuVersion() {
        try {
            Process p = new ProcessBuilder(QEMU, "--version").redirectErrorStream(true).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String first = r.readLine();
                p.waitFor();
                return first == null ? "QEMU ?" : first.replace("QEMU emulator version", "QEMU").trim();
            }
        } catch (IOException e) {
            return "QEMU ?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "QEMU ?";
        }
    }

    private static double median(List<Long> nanos) {
        List<Long> s = new ArrayList<>(nanos);
        Collections.sort(s);
        long m = s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
        return m / 1e6;
    }

    private static double min(List<Long> nanos) {
        return Collections.min(nanos) / 1e6;
    }

    private static double max(List<Long> nanos) {
        return Collections.max(nanos) / 1e6;
    }

    /**
     * Collects StepTimer's "create NAME: STEP in N ms" lines (and, with bench.steps, still prints every
     * one of them as before) so that the median of each step can be printed per accelerator.
     */
    private static final class StepLog {
        private static final Pattern LINE = Pattern.compile("create (\\S+): (.+?)(?: \\(pid \\d+\\))? in (\\d+) ms");
        /** domain → step → durations in ns (kept as ns so median() applies). */
        private final Map<String, Map<String, List<Long>>> byDomain = new LinkedHashMap<>();

        static StepLog install(boolean printAll) {
            StepLog s = new StepLog();
            if (printAll) {
                // per-step durations of each create on stderr (StepTimer logs at INFO), and every other INFO line
                dev.dmjail.toolstack.text.StderrLogging.setLevel(org.slf4j.event.Level.INFO);
            }
            dev.dmjail.toolstack.text.StderrLogging.listen("dev.dmjail.toolstack.lifecycle.StepTimer", s::append, printAll);
            return s;
        }

        private synchronized void append(String message) {
            Matcher m = LINE.matcher(message);
            if (m.matches()) {
                byDomain.computeIfAbsent(m.group(1), k -> new LinkedHashMap<>())
                        .computeIfAbsent(m.group(2), k -> new ArrayList<>()).add(Long.parseLong(m.group(3)) * 1_000_000L);
            }
        }

        synchronized void clear() {
            byDomain.clear();
        }

        synchronized Map<String, List<Long>> of(String domain) {
            return byDomain.getOrDefault(domain, Map.of());
        }
    }
}
