package dev.dmjail.toolstack.proof;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmjail.toolstack.HostExpect;
import dev.dmjail.toolstack.ProcFacts;
import dev.dmjail.toolstack.RangeUsers;
import dev.dmjail.toolstack.TestHost;
import dev.dmjail.uidrange.PosixUserDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Shared helpers of the proof tests (the package-private RangeUsers/ProcFacts of the parent package
 * are not visible here; these are the few lines the proof needs, reading /proc and /sys directly).
 */
public final class ProofSupport {
    public static final ObjectMapper JSON = new ObjectMapper();
    public static final Path GUEST = Path.of(System.getProperty("dmjail.guest.image", "target/guest/hello-guest.img"));

    private ProofSupport() {}

    public static void ensureRangeInstalled() {
        RangeUsers.ensureInstalled();
    }

    public static int rangeBase() {
        return new PosixUserDatabase().byName("xen-qemuuser-range-base").orElseThrow().uid();
    }

    /** Live (non-zombie) processes whose real, effective or saved uid is {@code uid}. */
    public static List<Long> processesOfUid(int uid) {
        return ProcFacts.processesOfUid(uid);
    }

    /**
     * Live processes of any uid that belong to domain {@code name}: its device model (argv
     * "-name guest=NAME,"), or anything in its cgroup. Other test suites on the same machine run
     * their own domains with the same range uids (each state dir starts at domid 1), so a uid alone
     * would blame their processes on ours.
     */
    public static List<Long> processesOfDomain(String name) {
        return domainMembers(ProcessHandle.allProcesses().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList(), name);
    }

    private static List<Long> domainMembers(List<Long> pids, String name) {
        List<Long> out = new ArrayList<>();
        for (long pid : pids) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) continue; // a zombie holds nothing
                String cmd = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"))).replace('\0', ' ');
                String cg = Files.readString(Path.of("/proc/" + pid + "/cgroup"));
                if (cmd.contains("guest=" + name + ",") || cg.contains("/dmjail/" + name + "\n")) out.add(pid);
            } catch (IOException gone) {
                // exited meanwhile
            }
        }
        return out;
    }

    /**
     * Everything a domain can leave behind; empty when nothing is left. Processes are found by the
     * domain's name (its device model's argv, its cgroup) whatever their uid, so no test has to guess
     * which domid (and uid) a domain got; {@code uid}, when known, only labels the report.
     */
    public static List<String> leftovers(TestHost host, String name, Integer uid) throws IOException {
        List<String> left = new ArrayList<>();
        List<Long> pids = processesOfDomain(name);
        if (!pids.isEmpty()) left.add("processes of the domain" + (uid == null ? "" : " (uid " + uid + ")") + ": " + pids);
        for (Path cg : HostExpect.cgroupDirs(name)) {
            if (Files.exists(cg)) left.add("cgroup " + cg);
        }
        if (Files.exists(host.stateDir.resolve("domains").resolve(name))) {
            left.add("state dir " + host.stateDir.resolve("domains").resolve(name));
        }
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        String own = host.stateDir.resolve("domains").resolve(name) + "/"; // the domain's own (other domains may run)
        for (String l : mounts.split("\n")) {
            String[] f = l.split(" ");
            if (f.length > 4 && (f[4] + "/").startsWith(own)) left.add("mount " + l);
        }
        return left;
    }

    public static JsonNode list(TestHost host) throws IOException {
        return JSON.readTree(host.run("list", "--json").out());
    }

    public static JsonNode listed(TestHost host, String name) throws IOException {
        for (JsonNode d : list(host)) {
            if (d.get("name").asText().equals(name)) return d;
        }
        return null;
    }

    /** gcc's a test helper from toolstack/src/test/c into target/proof-bin (not /tmp: the dm's /tmp is its own). */
    public static synchronized Path compile(String name) throws IOException, InterruptedException {
        Path src = Path.of("src", "test", "c", name + ".c").toAbsolutePath();
        Path bin = Files.createDirectories(Path.of("target", "proof-bin")).toAbsolutePath().resolve(name);
        if (Files.exists(bin) && Files.getLastModifiedTime(bin).compareTo(Files.getLastModifiedTime(src)) > 0) {
            return bin;
        }
        Process gcc = new ProcessBuilder("gcc", "-O", "-Wall", "-o", bin.toString(), src.toString()).inheritIO().start();
        if (!gcc.waitFor(120, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
            throw new IOException("gcc failed for " + src);
        }
        return bin;
    }

    /** A world-traversable test dir, like /run/dmjail and /var/log/dmjail (JUnit makes @TempDir 0700). */
    public static Path openDir(Path tmp) throws IOException {
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        return tmp;
    }

    public static Map<String, Object> ownerMode(Path p) throws IOException {
        return Files.readAttributes(p, "unix:uid,gid,mode");
    }

    /** Runs a host tool in {@code dir}; fails the test with its output unless it exits 0 within 60 s. */
    public static void run(Path dir, String... cmd) throws java.io.IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        org.junit.jupiter.api.Assertions.assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)
                && p.exitValue() == 0, String.join(" ", cmd) + ": " + new String(out));
    }
}
