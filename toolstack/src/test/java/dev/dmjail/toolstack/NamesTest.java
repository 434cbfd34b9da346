package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.toolstack.proof.SubprocessCli;
import dev.dmjail.toolstack.state.DomainKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 (names xl accepts) and issue 12 (rename), on real confined QEMUs running the tiny guest:
 * every host path is named by the domain's key, the name is kept in the record, and destroy leaves
 * nothing (no state, cgroup, process of the uid) whatever the name; a running domain renamed keeps
 * passing its audit and its old name is free at once; a state dir of the version before keys is
 * listed, audited and destroyed completely. Domain names start with this part's prefix "na" where
 * the name's form allows it.
 */
class NamesTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    TestHost host;

    @BeforeAll
    static void rangeProvisioned() {
        RangeUsers.ensureInstalled();
    }

    @BeforeEach
    void host() throws IOException {
        host = new TestHost(tmp, "accel = tcg");
    }

    @AfterEach
    void destroyLeftovers() throws IOException {
        for (JsonNode d : list()) {
            host.run("destroy", Integer.toString(d.get("domid").asInt()));
        }
    }

    /** xl's quoted string for {@code s} (libxlu: backslash escapes, double quotes). */
    private static String xlString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private Path config(String name, String image) throws IOException {
        Path img = tmp.resolve(image + ".img");
        if (!Files.exists(img)) {
            Files.copy(EndToEndTest.GUEST, img);
            Files.setPosixFilePermissions(img, PosixFilePermissions.fromString("rw-r-----"));
        }
        return host.domain(image + ".cfg", "name = " + xlString(name), "type = \"hvm\"", "memory = 32", "vcpus = 1",
                "disk = [ \"format=raw, vdev=hda, access=rw, target=" + img + "\" ]", "serial = \"pty\"", "vnc = 0",
                "boot = \"c\"", "dm_restrict = 1");
    }

    private JsonNode list() throws IOException {
        CliRun l = host.run("list", "--json");
        assertEquals(0, l.exit(), l.err());
        return JSON.readTree(l.out());
    }

    private JsonNode listed(String name) throws IOException {
        for (JsonNode d : list()) {
            if (d.get("name").asText().equals(name)) {
                return d;
            }
        }
        throw new AssertionError("no domain named " + name + " in " + list());
    }

    /** The argument that addresses {@code name}: "--" first so a leading '-' is no option; an all-digits name is a domid. */
    private static String[] by(String command, String name, JsonNode d) {
        return name.matches("\\d*") ? new String[] {command, Integer.toString(d.get("domid").asInt())}
                : new String[] {command, "--", name};
    }

    /** The host name in the device model's UTS namespace. */
    private static String hostname(long pid) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("nsenter", "-t", Long.toString(pid), "-u", "hostname").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    /**
     * Nothing of the domain left: its state dir, its cgroups, its device model. (Not "no process of
     * its uid": other test runs on this host may take the freed domid's uid at once.)
     */
    private void assertGone(String key, long pid) throws IOException {
        assertFalse(Files.exists(host.stateDir.resolve("domains").resolve(key)), "state dir of " + key + " left");
        for (Path cg : HostExpect.cgroupDirs(key)) {
            assertFalse(Files.exists(cg), cg + " left");
        }
        assertTrue(ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true)
                || Files.readString(Path.of("/proc/" + pid + "/status")).contains("State:\tZ"), "device model " + pid + " left");
        assertTrue(Files.exists(host.logDir.resolve(key + ".log")), "the log is kept under the key");
    }

    @Test
    void namesXlAcceptsLiveUnderTheirKeyAndLeaveNothing() throws Exception {
        List<String> names = List.of("na with spaces", "na\"double\" and 'single'", "na\\back\\slash", "na-café-ünï-名前",
                "-na leading dash", "na,comma,,two", "na" + "long".repeat(80), "6201301", "na\tcontrol\u001b[31m", "");
        List<String> keys = new ArrayList<>();
        int i = 0;
        for (String name : names) {
            Path cfg = config(name, "img" + i++);
            CliRun c = host.run("create", cfg.toString());
            assertEquals(0, c.exit(), name + ": " + c.err() + c.out());
            JsonNode d = listed(name);
            String key = d.get("key").asText();
            assertTrue(DomainKey.isKey(key) && key.length() <= DomainKey.MAX_LENGTH, "key " + key);
            assertFalse(keys.contains(key), "two domains share the key " + key);
            keys.add(key);
            assertTrue(Files.isRegularFile(host.stateDir.resolve("domains").resolve(key).resolve("state.json")));
            long pid = d.get("pid").asLong();
            String cg = Files.readString(Path.of("/proc/" + pid + "/cgroup"));
            for (String member : HostExpect.cgroupMembership(key)) {
                assertTrue(cg.contains(member + "\n"), member + " in " + cg);
            }
            // the real name reaches QEMU only as -name's value, commas doubled (QEMU's option syntax)
            List<String> argv = List.of(new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")),
                    StandardCharsets.UTF_8).split("\0"));
            assertEquals("guest=" + name.replace(",", ",,") + ",debug-threads=on", argv.get(argv.indexOf("-name") + 1));
            assertEquals("dm-" + key, hostname(pid), "the device model's hostname is named by the key");
            CliRun a = host.run(by("audit", name, d));
            assertEquals(0, a.exit(), name + ": " + a.out() + a.err());
            // what a person reads: the name, escaped (no ESC or tab reaches the terminal)
            assertFalse(a.out().contains("\u001b") || a.out().contains("\t"), a.out());
            CliRun x = host.run(by("destroy", name, d));
            assertEquals(0, x.exit(), name + ": " + x.err());
            assertGone(key, d.get("pid").asLong());
        }
        assertEquals(0, list().size());
        assertEquals("6201301", keys.get(7), "an all-digits name is its own key");
        assertTrue(keys.get(9).matches("\\d+~"), "the empty name's key is its domid: " + keys.get(9));
        assertTrue(keys.get(6).matches("\\d+~nalonglong.*"), "a long name's key is cut, after its domid: " + keys.get(6));
    }

    @Test
    void xlRulesForNamesAndDomids() throws Exception {
        // Domain-0 is the host's to libxl: xl's dry run prints it, its create fails, so does dmjail's
        Path dom0 = config("Domain-0", "dom0");
        assertEquals(0, host.run("create", "-n", dom0.toString()).exit());
        CliRun c = host.run("create", dom0.toString());
        assertEquals(ExitCodes.FAILED, c.exit(), c.out());
        assertTrue(c.err().contains("Domain-0 already exists"), c.err());
        assertEquals(List.of(), Files.list(host.stateDir.resolve("domains")).toList());
        // a name xenstore cannot take: xl's dry run prints it, its create fails; dmjail's dry run warns
        String huge = "na" + "x".repeat(dev.dmjail.toolstack.lifecycle.DomainNames.MAX_BYTES - 1);
        Path big = config(huge, "huge");
        CliRun dry = host.run("create", "-n", big.toString());
        assertEquals(0, dry.exit(), dry.err());
        String warnings = JSON.readTree(dry.out()).get("plan").get("warnings").toString();
        assertTrue(warnings.contains(big + ":1: name: a name of 4051 bytes") && warnings.contains("create would refuse it"), warnings);
        CliRun hugeCreate = host.run("create", big.toString());
        assertEquals(ExitCodes.BAD_CONFIG, hugeCreate.exit(), hugeCreate.out());
        assertTrue(hugeCreate.err().contains(big + ":1: name: a name of 4051 bytes"), hugeCreate.err());
        assertEquals(List.of(), Files.list(host.stateDir.resolve("domains")).toList());
        // an all-digits argument is a domid, as xl's find_domain reads it; domid NAME looks the name up
        Path digits = config("6201302", "digits");
        assertEquals(0, host.run("create", digits.toString()).exit());
        JsonNode d = listed("6201302");
        assertEquals(Integer.toString(d.get("domid").asInt()), host.run("domid", "6201302").out().trim());
        assertEquals(ExitCodes.NOT_FOUND, host.run("audit", "6201302").exit(), "6201302 is a domid, not that name");
        assertEquals("6201302", host.run("domname", Integer.toString(d.get("domid").asInt())).out().trim());
        // a name is what it says, never a file of arguments (picocli's @file expansion is off)
        Path args = tmp.resolve("args");
        Files.writeString(args, "6201302\n");
        assertEquals(ExitCodes.NOT_FOUND, host.run("audit", "@" + args).exit());
        // a second domain of that name is refused, as libxl refuses it
        CliRun twice = host.run("create", config("6201302", "digits2").toString());
        assertEquals(ExitCodes.FAILED, twice.exit());
        assertTrue(twice.err().contains("already exists"), twice.err());
        assertEquals(1, list().size());
        // the empty name is exempt from uniqueness (libxl): two may live, but never on one read-write disk
        assertEquals(0, host.run("create", config("", "empty1").toString()).exit());
        Path sameDisk = host.domain("empty1b.cfg", Files.readString(tmp.resolve("empty1.cfg")));
        CliRun shared = host.run("create", sameDisk.toString());
        assertEquals(ExitCodes.BAD_CONFIG, shared.exit(), shared.out());
        assertTrue(shared.err().contains("is already a disk of domain"), shared.err());
        CliRun second = host.run("create", config("", "empty2").toString());
        assertEquals(0, second.exit(), second.err());
        assertEquals(3, list().size());
    }

    @Test
    void renameRunningDomainThenReuseTheOldName() throws Exception {
        String old = "na-ren";
        String renamed = "na ren'd \"now\"";
        assertEquals(0, host.run("create", config(old, "ren-a").toString()).exit());
        JsonNode a = listed(old);
        String keyA = a.get("key").asText();
        CliRun r = host.run("rename", old, renamed);
        assertEquals(0, r.exit(), r.err());
        JsonNode a2 = listed(renamed);
        assertEquals(keyA, a2.get("key").asText(), "rename changes the name only");
        assertEquals(a.get("pid").asLong(), a2.get("pid").asLong());
        assertEquals("running", a2.get("state").asText());
        CliRun audit = host.run("audit", renamed);
        assertEquals(0, audit.exit(), audit.out() + audit.err());
        assertTrue(audit.out().startsWith("Audit of na ren'd \"now\" (domid " + a.get("domid").asInt()), audit.out());
        assertEquals(ExitCodes.NOT_FOUND, host.run("audit", old).exit(), "the old name is gone");
        assertEquals(Integer.toString(a.get("domid").asInt()), host.run("domid", renamed).out().trim());
        // xl's errors: no such domain; the new name taken (exit 1, as xl's "Can't rename domain")
        assertEquals(ExitCodes.NOT_FOUND, host.run("rename", "na-nosuch", "na-x").exit());
        // the old name is free at once, for a new domain with its own key
        CliRun c = host.run("create", config(old, "ren-b").toString());
        assertEquals(0, c.exit(), c.err());
        JsonNode b = listed(old);
        String keyB = b.get("key").asText();
        assertNotEquals(keyA, keyB);
        assertEquals(b.get("domid").asInt() + "~" + old, keyB, "the old name's key is held: the new one is domid-prefixed");
        CliRun taken = host.run("rename", renamed, old);
        assertEquals(ExitCodes.FAILED, taken.exit());
        assertTrue(taken.err().contains("already exists"), taken.err());
        assertEquals(0, host.run("rename", renamed, renamed).exit(), "a domain already has its own name (libxl)");
        assertEquals(0, host.run("audit", old).exit());
        assertEquals(0, host.run("audit", renamed).exit());
        assertEquals(2, list().size());
        assertEquals(0, host.run("destroy", renamed).exit());
        assertGone(keyA, a.get("pid").asLong());
        assertEquals(0, host.run("audit", old).exit(), "destroying the renamed one leaves the other whole");
        assertEquals(0, host.run("destroy", old).exit());
        assertGone(keyB, b.get("pid").asLong());
        assertEquals(0, list().size());
    }

    /** xl's save keeps the domain's current configuration: a renamed domain is restored under its new name. */
    @Test
    void aRenamedDomainIsRestoredUnderItsNewName() throws Exception {
        assertEquals(0, host.run("create", config("na-sv", "sv").toString()).exit());
        String renamed = "na \"sv\" \\ 2\nline";
        assertEquals(0, host.run("rename", "na-sv", renamed).exit());
        Path save = tmp.resolve("sv.save");
        CliRun s = host.run("save", renamed, save.toString());
        assertEquals(0, s.exit(), s.err());
        assertEquals(0, list().size());
        CliRun r = host.run("restore", save.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode d = listed(renamed);
        assertEquals(DomainKey.escape(renamed), d.get("key").asText(), "a restore is a new domain, keyed by its name");
        assertEquals(0, host.run("audit", renamed).exit());
        assertEquals(0, host.run("destroy", renamed).exit());
        assertGone(d.get("key").asText(), d.get("pid").asLong());
    }

    /** The rename is one atomic write of the record: a toolstack killed right after it leaves the renamed domain whole. */
    @Test
    void toolstackKilledInRenameLeavesOneDomain() throws Exception {
        assertEquals(0, host.run("create", config("na-rf", "rf").toString()).exit());
        JsonNode d = listed("na-rf");
        SubprocessCli.Result r = SubprocessCli.run(host, Map.of("DMJAIL_FAULT", dev.dmjail.toolstack.lifecycle.FaultPoint.RENAME_WRITTEN), "rename", "na-rf", "na-rf2");
        assertEquals(137, r.exit(), r.err());
        assertEquals(1, list().size());
        assertEquals(d.get("key").asText(), listed("na-rf2").get("key").asText());
        assertEquals(0, host.run("audit", "na-rf2").exit());
        assertEquals(0, host.run("destroy", "na-rf2").exit());
        assertGone(d.get("key").asText(), d.get("pid").asLong());
    }

    /** A state dir written by the version before keys: named by the name, no key in the record or the plan. */
    @Test
    void stateDirOfTheVersionBeforeKeysIsListedAuditedAndDestroyed() throws Exception {
        assertEquals(0, host.run("create", config("na-old", "old").toString()).exit());
        JsonNode d = listed("na-old");
        Path state = host.stateDir.resolve("domains").resolve("na-old").resolve("state.json");
        ObjectNode rec = (ObjectNode) JSON.readTree(state.toFile());
        rec.remove("key");
        ((ObjectNode) rec.get("plan").get("paths")).remove("key");
        Files.write(state, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(rec));
        assertFalse(Files.readString(state).contains("\"key\""));
        JsonNode l = listed("na-old");
        assertEquals("na-old", l.get("key").asText(), "an old record's key is its dir's name");
        assertEquals("running", l.get("state").asText());
        CliRun a = host.run("audit", "na-old");
        assertEquals(0, a.exit(), a.out() + a.err());
        assertEquals(0, host.run("destroy", "na-old").exit());
        assertGone("na-old", d.get("pid").asLong());
        assertEquals(0, list().size());
    }
}
