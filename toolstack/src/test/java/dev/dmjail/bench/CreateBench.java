package dev.dmjail.bench;

import dev.dmjail.config.ParsedDomain;
import dev.dmjail.config.XlConfigLoader;
import dev.dmjail.toolstack.cli.Toolstack;
import dev.dmjail.toolstack.host.HostConfigLoader;
import dev.dmjail.toolstack.host.HostFacts;
import dev.dmjail.toolstack.lifecycle.DomainManager;
import dev.dmjail.toolstack.qmp.QmpClient;
import dev.dmjail.uidrange.PosixUserDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Not a test: create-to-QMP-ready and destroy times of dmjail against bare qemu-system-x86_64
 * started as root with the same guest, side by side in one run, plus what dmjail leaves resident
 * per domain besides QEMU. Run by bench/run; prints medians and ratios.
 */
public final class CreateBench {

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        if (Boolean.getBoolean("bench.steps")) {
            // per-step durations of each create (StepTimer logs at INFO)
            ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                    .setLevel(ch.qos.logback.classic.Level.INFO);
        }
        Path image = Path.of(args.length > 1 ? args[1] : "toolstack/target/guest/hello-guest.img").toAbsolutePath();
        Path work = Files.createTempDirectory("dmjail-bench");
        Path conf = work.resolve("dmjail.conf");
        Files.write(conf, List.of("state_dir = " + work.resolve("run"), "log_dir = " + work.resolve("log")));
        Path cfg = work.resolve("bench.cfg");
        Files.write(cfg, List.of("name = \"bench\"", "type = \"hvm\"", "memory = 64", "vcpus = 1",
                "disk = [ \"format=raw, vdev=hda, access=rw, target=" + image + "\" ]", "serial = \"pty\"", "vnc = 0",
                "boot = \"c\"", "dm_restrict = 1"));
        Toolstack ts = new Toolstack(HostConfigLoader.load(conf, true), HostFacts.detect(), new PosixUserDatabase());
        DomainManager dm = ts.manager();
        ParsedDomain pd = XlConfigLoader.load(cfg, List.of());

        List<Long> bareCreate = new ArrayList<>();
        List<Long> bareDestroy = new ArrayList<>();
        List<Long> jailCreate = new ArrayList<>();
        List<Long> jailDestroy = new ArrayList<>();
        long residentBesidesQemu = 0;
        long qemuRss = 0;
        // Warm-up of both paths (page cache, JIT of the toolstack itself), not counted.
        bare(image, work, new ArrayList<>(), new ArrayList<>());
        dm.destroy(dm.create(pd).record());
        for (int i = 0; i < n; i++) {
            bare(image, work, bareCreate, bareDestroy);
            long t0 = System.nanoTime();
            DomainManager.Created c = dm.create(pd);
            jailCreate.add(System.nanoTime() - t0);
            residentBesidesQemu = Math.max(residentBesidesQemu, residentBesides(c.record().pid(), "bench"));
            qemuRss = rssKiB(c.record().pid());
            long t1 = System.nanoTime();
            dm.destroy(c.record());
            jailDestroy.add(System.nanoTime() - t1);
        }
        double bc = median(bareCreate);
        double jc = median(jailCreate);
        double bd = median(bareDestroy);
        double jd = median(jailDestroy);
        System.out.printf(Locale.ROOT, "runs: %d (TCG, 64 MiB guest, %s)%n", n, HostFacts.detect().kvmUsable() ? "kvm usable" : "no kvm");
        System.out.printf(Locale.ROOT, "create to QMP ready: bare qemu %.1f ms, dmjail %.1f ms: +%.1f ms, ratio %.2f%n",
                bc, jc, jc - bc, jc / bc);
        System.out.printf(Locale.ROOT, "destroy:             bare qemu %.1f ms, dmjail %.1f ms: +%.1f ms, ratio %.2f%n",
                bd, jd, jd - bd, jd / bd);
        System.out.printf(Locale.ROOT, "resident per domain besides QEMU: %d KiB (QEMU itself: %d KiB RSS)%n",
                residentBesidesQemu, qemuRss);
    }

    /** Bare QEMU as root, same guest and accelerator, QMP on a path socket; timed like dmjail's create. */
    private static void bare(Path image, Path work, List<Long> create, List<Long> destroy) throws Exception {
        Path sock = work.resolve("bare.qmp");
        Files.deleteIfExists(sock);
        long t0 = System.nanoTime();
        Process q = new ProcessBuilder("/usr/bin/qemu-system-x86_64", "-nodefaults", "-no-user-config", "-display", "none",
                "-machine", "pc", "-accel", "tcg,tb-size=64", "-m", "64", "-smp", "1",
                "-drive", "file=" + image + ",format=raw,if=ide,index=0",
                "-serial", "file:" + work.resolve("bare.console"), "-qmp", "unix:" + sock + ",server=on,wait=off")
                .redirectErrorStream(true).redirectOutput(work.resolve("bare.log").toFile()).start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try (QmpClient c = QmpClient.connect(sock, deadline)) {
                c.execute("query-status", deadline);
                break;
            } catch (IOException e) {
                if (System.nanoTime() > deadline || !q.isAlive()) {
                    throw e;
                }
                Thread.sleep(1);
            }
        }
        create.add(System.nanoTime() - t0);
        long t1 = System.nanoTime();
        try (QmpClient c = QmpClient.connect(sock, System.nanoTime() + 2_000_000_000L)) {
            c.execute("quit", System.nanoTime() + 2_000_000_000L);
        } catch (IOException ignored) {
            // quit closes the socket
        }
        q.waitFor();
        destroy.add(System.nanoTime() - t1);
    }

    /** KiB of resident memory of every process in the domain's pids cgroup other than QEMU, plus any live launcher of ours. */
    private static long residentBesides(int qemuPid, String name) throws IOException {
        long kib = 0;
        Path procs = Path.of("/sys/fs/cgroup/pids/dmjail/" + name + "/cgroup.procs");
        if (Files.exists(procs)) {
            for (String l : Files.readAllLines(procs)) {
                if (!l.isBlank() && Integer.parseInt(l.trim()) != qemuPid) {
                    kib += rssKiB(Integer.parseInt(l.trim()));
                }
            }
        }
        // a launcher of ours that outlived its create (it should exit right after the spawn)
        for (ProcessHandle h : ProcessHandle.current().descendants().toList()) {
            if (h.info().arguments().map(a -> String.join(" ", a).contains("dev.dmjail.launcher.LauncherMain")).orElse(false)) {
                kib += rssKiB((int) h.pid());
            }
        }
        return kib;
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

    private static double median(List<Long> nanos) {
        List<Long> s = new ArrayList<>(nanos);
        Collections.sort(s);
        long m = s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
        return m / 1e6;
    }
}
