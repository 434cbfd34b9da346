package dev.dmjail.toolstack.layer;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmjail.toolstack.proc.ProcessView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A directory laid out like /proc for the layers' verify tests: {@code PID/status},
 * {@code PID/task/TID/status}, {@code PID/limits}, {@code PID/ns/*}, {@code PID/fd/*},
 * {@code PID/mountinfo}, {@code PID/root/...}, {@code net/unix}, {@code net/tcp}; {@code self} is the
 * toolstack and {@code 1} init. Each test lays out a tree that matches the plan (PASS) and one
 * that differs in the one thing the check looks at (FAIL).
 */
final class FakeProc {

    static final int PID = 4242;
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path root;

    FakeProc(Path root) {
        this.root = root;
    }

    ProcessView view() {
        return new ProcessView(root, PID);
    }

    Path dir(String proc) {
        try {
            return Files.createDirectories(root.resolve(proc));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file under the tree ({@code "4242/limits"}, {@code "net/unix"}), parents made. */
    FakeProc file(String rel, String text) {
        try {
            Path p = root.resolve(rel);
            Files.createDirectories(p.getParent());
            Files.writeString(p, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** A symbolic link (ns/*, fd/*): its target need not exist, as with "socket:[123]". */
    FakeProc link(String rel, String target) {
        try {
            Path p = root.resolve(rel);
            Files.createDirectories(p.getParent());
            Files.deleteIfExists(p);
            Files.createSymbolicLink(p, Path.of(target));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** PID/status and one PID/task/TID/status per thread (the first is the main thread), key:\tvalue lines. */
    FakeProc threads(Map<String, String> status, int... tids) {
        file(PID + "/status", render(status));
        for (int t : tids) {
            file(PID + "/task/" + t + "/status", render(status));
        }
        return this;
    }

    /** One thread's status with {@code key} changed. */
    FakeProc thread(int tid, Map<String, String> status, String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(status);
        m.put(key, value);
        return file(PID + "/task/" + tid + "/status", render(m));
    }

    private static String render(Map<String, String> status) {
        return status.entrySet().stream().map(e -> e.getKey() + ":\t" + e.getValue()).collect(Collectors.joining("\n")) + "\n";
    }

    /** The status of a confined device model: uid/gid, no groups, no capabilities, no_new_privs, seccomp. */
    static Map<String, String> confinedStatus(int uid) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("Name", "qemu-system-x86");
        m.put("State", "S (sleeping)");
        m.put("Uid", uid + "\t" + uid + "\t" + uid + "\t" + uid);
        m.put("Gid", uid + "\t" + uid + "\t" + uid + "\t" + uid);
        m.put("Groups", "");
        m.put("NSpid", "31337\t1");
        for (String c : List.of("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")) {
            m.put(c, "0000000000000000");
        }
        m.put("NoNewPrivs", "1");
        m.put("Seccomp", "2");
        m.put("Seccomp_filters", "2");
        return m;
    }

    /** A plan whose settings are given as JSON, as the state file holds them. */
    static LayerPlan plan(String layer, String settingsJson) {
        try {
            return new LayerPlan(layer, LayerStatus.ENFORCED, null, JSON.readTree(settingsJson));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The one check named {@code what}. */
    static LayerVerdict.Check check(LayerVerdict v, String what) {
        return v.checks().stream().filter(c -> c.what().equals(what)).findFirst()
                .orElseThrow(() -> new AssertionError("no check '" + what + "' in " + v));
    }

    /** The checks that failed, by name. */
    static List<String> failed(LayerVerdict v) {
        return v.checks().stream().filter(c -> !c.ok()).map(LayerVerdict.Check::what).toList();
    }
}
