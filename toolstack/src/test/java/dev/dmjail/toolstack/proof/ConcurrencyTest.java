package dev.dmjail.toolstack.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmjail.toolstack.CliRun;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4, part 4: many toolstacks at once (separate JVMs, as separate `dmjail create` commands
 * are), the same name raced, and device models that exit at start, hang before QMP or flood their
 * console. The device model here is hostile.c with no attacks (it only serves QMP): this is about
 * the toolstack's state, not QEMU.
 */
class ConcurrencyTest {

    @TempDir
    Path tmp;
    static Path dm;

    @BeforeAll
    static void build() throws Exception {
        ProofSupport.ensureRangeInstalled();
        dm = ProofSupport.compile("hostile");
    }

    static Path config(TestHost host, String name, String... dmArgs) throws Exception {
        return config(host, name, List.of(), dmArgs);
    }

    static Path config(TestHost host, String name, List<String> extra, String... dmArgs) throws Exception {
        List<String> a = new ArrayList<>(List.of("--only", "none"));
        a.addAll(List.of(dmArgs));
        List<String> lines = new ArrayList<>(List.of("name = \"" + name + "\"", "type = \"hvm\"", "memory = 32",
                "dm_restrict = 1", "serial = \"pty\"", "device_model_override = \"" + dm + "\"",
                "device_model_args = [ " + String.join(", ", a.stream().map(s -> "\"" + s + "\"").toList()) + " ]"));
        lines.addAll(extra);
        return host.domain(name + ".cfg", lines.toArray(String[]::new));
    }

    @Test
    void twentyConcurrentCreatesThenTwentyConcurrentDestroys() throws Exception {
        TestHost host = new TestHost(ProofSupport.openDir(tmp), "qmp_timeout_ms = 120000");
        int n = 20;
        List<Process> ps = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            ps.add(SubprocessCli.start(host, Map.of(), "create", config(host, "pf-c" + i).toString()));
        }
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SubprocessCli.Result r = SubprocessCli.finish(ps.get(i), t0);
            if (r.exit() != 0) failures.add("pf-c" + i + ": exit " + r.exit() + ": " + r.err());
        }
        try {
            assertEquals(List.of(), failures, "concurrent creates failed");
            JsonNode list = ProofSupport.list(host);
            assertEquals(n, list.size(), "lost state: " + list);
            Set<Integer> domids = new TreeSet<>();
            Set<Integer> uids = new TreeSet<>();
            Set<Long> pids = new TreeSet<>();
            int base = ProofSupport.rangeBase();
            for (JsonNode d : list) {
                assertEquals("running", d.get("state").asText(), d.toString());
                domids.add(d.get("domid").asInt());
                uids.add(d.get("uid").asInt());
                pids.add(d.get("pid").asLong());
                assertEquals(base + d.get("domid").asInt(), d.get("uid").asInt());
                assertTrue(ProcessHandle.of(d.get("pid").asLong()).isPresent(), "device model gone: " + d);
            }
            assertEquals(n, domids.size(), "domids not unique: " + domids);
            assertEquals(n, uids.size(), "uids not unique: " + uids);
            assertEquals(n, pids.size());
        } finally {
            List<java.util.concurrent.CompletableFuture<CliRun>> ds = new ArrayList<>();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n);
            for (int i = 0; i < n; i++) {
                String name = "pf-c" + i;
                ds.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> host.run("destroy", name), pool));
            }
            for (var f : ds) {
                CliRun r = f.get();
                assertEquals(0, r.exit(), r.err());
            }
            pool.shutdown();
        }
        assertEquals("[ ]", host.run("list", "--json").out().trim());
        for (int i = 0; i < n; i++) {
            assertEquals(List.of(), ProofSupport.leftovers(host, "pf-c" + i, null), "pf-c" + i);
        }
    }

    @Test
    void sameNameRacedExactlyOneWins() throws Exception {
        TestHost host = new TestHost(ProofSupport.openDir(tmp), "qmp_timeout_ms = 60000");
        Path cfg = config(host, "pf-same");
        int n = 6;
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ps.add(SubprocessCli.start(host, Map.of(), "create", cfg.toString()));
        }
        Map<Integer, Integer> exits = new HashMap<>();
        List<String> losers = new ArrayList<>();
        for (Process p : ps) {
            SubprocessCli.Result r = SubprocessCli.finish(p, System.nanoTime());
            exits.merge(r.exit(), 1, Integer::sum);
            if (r.exit() != 0) losers.add(r.err().strip());
        }
        try {
            assertEquals(1, exits.getOrDefault(0, 0), "exactly one create wins: " + exits + " " + losers);
            for (String l : losers) {
                assertTrue(l.contains("domain pf-same already exists"), "a clear error for the losers: " + l);
                assertEquals(1, l.lines().filter(x -> !x.startsWith("dmjail: WARN")).count(), l);
            }
            JsonNode list = ProofSupport.list(host);
            assertEquals(1, list.size(), list.toString());
            assertTrue(ProcessHandle.of(list.get(0).get("pid").asLong()).isPresent(), "the winner's device model still runs");
        } finally {
            assertEquals(0, host.run("destroy", "pf-same").exit());
        }
        assertEquals(List.of(), ProofSupport.leftovers(host, "pf-same", null));
        assertEquals(List.of(), ProofSupport.processesOfDomain("pf-same"), "a loser's device model");
    }

    private static void failsCleanly(TestHost host, String name, String expect, long maxMillis, String... dmArgs) throws Exception {
        failsCleanly(host, name, List.of(), expect, maxMillis, dmArgs);
    }

    private static void failsCleanly(TestHost host, String name, List<String> extra, String expect, long maxMillis,
                                     String... dmArgs) throws Exception {
        Path cfg = config(host, name, extra, dmArgs);
        long t0 = System.nanoTime();
        CliRun r = host.run("create", cfg.toString());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (r.exit() == 0) {
            host.run("destroy", name);
        }
        assertEquals(ExitCodes.FAILED, r.exit(), name + ": " + r.out() + r.err());
        assertTrue(r.err().contains(expect), name + ": " + r.err());
        assertTrue(ms < maxMillis, name + ": took " + ms + " ms");
        assertEquals(List.of(), ProofSupport.leftovers(host, name, null), name);
        assertEquals("[ ]", host.run("list", "--json").out().trim());
    }

    @Test
    void deviceModelThatExitsOrHangsFailsCreateInBoundedTime() throws Exception {
        TestHost host = new TestHost(ProofSupport.openDir(tmp), "qmp_timeout_ms = 1500");
        failsCleanly(host, "pf-exit0", "exited during start-up", 30_000, "--exit", "0");
        failsCleanly(host, "pf-exit3", "exited during start-up", 30_000, "--exit", "3");
        failsCleanly(host, "pf-hang", "did not answer QMP within 1500 ms", 30_000, "--hang", "1");
    }

    /**
     * A console flood and a log flood (8 MiB each) are bounded by their tmpfs (console_max_kib 2048,
     * log_max_kib 256 by default), and the kept copies say where they were truncated. RLIMIT_FSIZE
     * lies one page above the larger tmpfs (RlimitLayer), so a full tmpfs answers ENOSPC before any
     * write reaches FSIZE and no SIGXFSZ is sent: the device model keeps running with SIGXFSZ ignored
     * or at its default (QEMU's), in its own pid namespace or not. (With FSIZE equal to the bound, as
     * before, a device model outside a pid namespace was killed by SIGXFSZ at the cap; as pid 1 of
     * one the kernel does not deliver SIGXFSZ's default action, SIGNAL_UNKILLABLE.)
     */
    @Test
    void consoleFloodStaysBounded() throws Exception {
        TestHost host = new TestHost(ProofSupport.openDir(tmp), "qmp_timeout_ms = 30000");
        long console = 2048 * 1024, log = 256 * 1024;
        for (String xfsz : List.of("ignore", "default", "default-nopidns")) {
            String name = "pf-flood-" + xfsz;
            List<String> extra = xfsz.endsWith("nopidns") ? List.of("dmjail_namespaces_pid = 0") : List.of();
            CliRun r = host.run("create", config(host, name, extra, "--flood-mib", "8", "--xfsz",
                    xfsz.replace("-nopidns", "")).toString());
            try {
                assertEquals(0, r.exit(), r.err());
                JsonNode d = ProofSupport.listed(host, name);
                assertTrue(ProcessHandle.of(d.get("pid").asLong()).isPresent(), name + ": the device model survives the flood");
            } finally {
                host.run("destroy", name);
            }
            assertEquals(console, keptBeforeNote(host.logDir.resolve(name + ".console"), console), name + ": console");
            assertEquals(log, keptBeforeNote(host.logDir.resolve(name + ".log"), log), name + ": dm log");
            assertEquals(List.of(), ProofSupport.leftovers(host, name, null));
        }
    }

    /** The bytes of a kept copy before the truncation note it must end with. */
    private static long keptBeforeNote(Path kept, long bound) throws java.io.IOException {
        String note = "\n" + dev.dmjail.toolstack.layer.FdEnvBoundedOutput.truncationNote(bound) + "\n";
        String text = Files.readString(kept, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(text.endsWith(note), kept + " ends with the truncation note: "
                + text.substring(Math.max(0, text.length() - 200)));
        return text.length() - note.length();
    }
}
