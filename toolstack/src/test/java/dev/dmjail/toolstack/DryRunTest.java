package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dmjail create -n}: one JSON object (xl's domain + the plan), exit 0, nothing on the host;
 * bad input: one line naming file, line and key, exit 2, nothing on the host.
 */
class DryRunTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @BeforeAll
    static void rangeProvisioned() throws Exception {
        RangeUsers.ensureInstalled();
    }

    private TestHost host() throws IOException {
        return new TestHost(tmp);
    }

    /**
     * A device_model_user this host does not have is a host fact, not a parse error (xl -N does not look
     * it up, issue 13): the dry run plans that user with its ids unknown and says create would refuse it;
     * create refuses it with the key and line.
     */
    @Test
    void anUnknownDeviceModelUserIsAProblemOfThisHostNotOfTheConfig() throws Exception {
        TestHost h = new TestHost(tmp);
        Path cfg = h.domain("u.cfg", "name = \"du\"", "type = \"hvm\"", "memory = 32", "device_model_user = \"dmjail-no-such-user\"",
                "dm_restrict = 1");
        JsonNode j = dryRun(h, cfg);
        assertTrue(j.at("/plan/warnings").toString().contains("device_model_user \\\"dmjail-no-such-user\\\" does not exist")
                && j.at("/plan/warnings").toString().contains("create would refuse it"), j.at("/plan/warnings").toString());
        assertEquals("dmjail-no-such-user", layer(j.get("plan"), "dac").at("/settings/user").asText());
        assertEquals("device_model_user", j.at("/plan/problems/0/key").asText(), j.at("/plan/problems").toString());
        assertEquals(4, j.at("/plan/problems/0/line").asInt());
        assertEquals(ExitCodes.WOULD_REFUSE, h.run("create", "-n", "--check", cfg.toString()).exit());
        CliRun r = h.run("create", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.err());
        assertTrue(r.err().contains(cfg + ":4: device_model_user: device_model_user \"dmjail-no-such-user\" does not exist"), r.err());
    }

    /**
     * A device_model_override this host lacks is a problem of this host (xl -N does not look for it): listed in
     * the plan with key and line, a warning line, exit 0; --check exits 6; create refuses it at the key's line.
     */
    @Test
    void aMissingDeviceModelOverrideIsAProblemCheckAndCreateRefuse() throws Exception {
        TestHost h = host();
        Path cfg = h.domain("xf-ovr.cfg", "name = \"xf-ovr\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1",
                "device_model_override = \"/nonexistent/qemu\"");
        CliRun r = h.run("create", "-n", cfg.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode warnings = JSON.readTree(r.out()).at("/plan/warnings");
        assertTrue(warnings.toString().contains(cfg + ":5: device_model_override: /nonexistent/qemu does not exist")
                && warnings.toString().contains("create would refuse it"), warnings.toString());
        JsonNode problems = JSON.readTree(r.out()).at("/plan/problems");
        assertEquals(1, problems.size(), problems.toString());
        assertEquals("device_model_override", problems.get(0).get("key").asText());
        assertEquals(5, problems.get(0).get("line").asInt());
        assertTrue(problems.get(0).get("reason").asText().startsWith("/nonexistent/qemu does not exist"), problems.toString());
        r = h.run("create", "-n", "--check", cfg.toString());
        assertEquals(ExitCodes.WOULD_REFUSE, r.exit(), r.err());
        assertEquals(problems, JSON.readTree(r.out()).at("/plan/problems"), "--check prints the same plan");
        assertUntouched(h);
        r = h.run("create", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.err());
        assertTrue(r.err().contains(cfg + ":5: device_model_override: /nonexistent/qemu does not exist"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    /**
     * An executable device_model_override that is not ELF (a script, a stub) is a host fact like a missing one, found
     * by the planner rather than by the filesystem layer's ELF resolution: dry run exit 0 with the problem, --check 6,
     * create refuses it at the key's line.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"#!/bin/sh\nexec /usr/bin/qemu-system-x86_64 \"$@\"\n", "\u007fELF"})
    void anExecutableNonElfDeviceModelOverrideIsAProblem(String content) throws Exception {
        TestHost h = host();
        Path bin = tmp.resolve("not-elf-qemu");
        java.nio.file.Files.writeString(bin, content);
        java.nio.file.Files.setPosixFilePermissions(bin, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path cfg = h.domain("xf-nelf.cfg", "name = \"xf-nelf\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1",
                "device_model_override = \"" + bin + "\"");
        CliRun r = h.run("create", "-n", cfg.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode problems = JSON.readTree(r.out()).at("/plan/problems");
        assertEquals("device_model_override", problems.get(0).get("key").asText(), problems.toString());
        assertEquals(5, problems.get(0).get("line").asInt());
        assertTrue(problems.get(0).get("reason").asText().startsWith(bin + " is not an ELF64 executable"), problems.toString());
        assertEquals(ExitCodes.WOULD_REFUSE, h.run("create", "-n", "--check", cfg.toString()).exit());
        assertUntouched(h);
        r = h.run("create", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.err());
        assertTrue(r.err().contains(cfg + ":5: device_model_override: " + bin + " is not an ELF64 executable"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    /**
     * A value xl warns about and ignores (libxlu_cfg.c): the dry run is xl's (exit 0, memory as if unset) and lists
     * it as a problem; create refuses to run the guest without it, at its line.
     */
    @Test
    void aValueXlIgnoresIsParsedAsXlDoesAndRefusedByCreate() throws Exception {
        TestHost h = host();
        Path cfg = h.domain("xf-ign.cfg", "name = \"xf-ign\"", "type = \"hvm\"", "dm_restrict = 1", "memory = \"lots\"");
        JsonNode j = dryRun(h, cfg);
        assertTrue(j.at("/domain/b_info/max_memkb").isMissingNode() || j.at("/domain/b_info/max_memkb").asLong() <= 0,
                j.at("/domain/b_info").toString());
        assertEquals("memory", j.at("/plan/problems/0/key").asText(), j.at("/plan/problems").toString());
        assertEquals(4, j.at("/plan/problems/0/line").asInt());
        CliRun r = h.run("create", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.err());
        assertTrue(r.err().contains(cfg + ":4: memory: xl ignores this setting (parameter `memory' is not a valid number"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    /** dm_restrict = 1 on a host without the uid range: the dry run plans the range user and lists the problem. */
    @Test
    void aHostWithoutTheUidRangeIsAProblemOfThisHost() throws Exception {
        TestHost h = new TestHost(tmp, "range_base_user = xf-no-such-range", "shared_user = xf-no-such-shared");
        Path cfg = h.domain("xf-nr.cfg", "name = \"xf-nr\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1");
        JsonNode j = dryRun(h, cfg);
        assertEquals("dm_restrict", j.at("/plan/problems/0/key").asText(), j.at("/plan/problems").toString());
        assertTrue(j.at("/plan/problems/0/reason").asText().contains("dmjail host install"), j.at("/plan/problems").toString());
        assertEquals("xf-no-such-range", layer(j.get("plan"), "dac").at("/settings/user").asText());
        CliRun r = h.run("create", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.err());
        assertTrue(r.err().contains(cfg + ":4: dm_restrict: dm_restrict=1 but neither user"), r.err());
    }

    /** --check answers "would create succeed here": 0 for a plan without problems; only with -n. */
    @Test
    void checkExitsZeroWithoutProblemsAndGoesWithDryRunOnly() throws Exception {
        TestHost h = host();
        Path cfg = h.domain("xf-ok.cfg", "name = \"xf-ok\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1");
        CliRun r = h.run("create", "-n", "--check", cfg.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(0, JSON.readTree(r.out()).at("/plan/problems").size(), r.out());
        r = h.run("create", "--check", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.err());
        assertTrue(r.err().contains("--check goes with -n"), r.err());
        assertUntouched(h);
    }

    /** backend = xen on a host that is not a Xen host (this one): a problem of the plan, not of the config. */
    @Test
    void theXenBackendOnAHostWithoutXenIsAProblem() throws Exception {
        TestHost xen = new TestHost(tmp, "backend = xen");
        Path cfg = xen.domain("xf-xb.cfg", "name = \"xf-xb\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1");
        JsonNode j = dryRun(xen, cfg);
        assertTrue(j.at("/plan/problems").toString().contains("this is not a Xen host"), j.at("/plan/problems").toString());
        assertEquals(ExitCodes.WOULD_REFUSE, xen.run("create", "-n", "--check", cfg.toString()).exit());
    }

    private JsonNode dryRun(TestHost h, Path cfg, String... overrides) throws IOException {
        List<String> a = new ArrayList<>(List.of("create", "-n", cfg.toString()));
        a.addAll(List.of(overrides));
        CliRun r = h.run(a.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        assertUntouched(h);
        return JSON.readTree(r.out());
    }

    static void assertUntouched(TestHost h) {
        assertFalse(Files.exists(h.stateDir), "dry run created the state dir");
        assertFalse(Files.exists(h.logDir), "dry run created the log dir");
        for (Path cg : HostExpect.cgroupDirs("dry")) {
            assertFalse(Files.exists(cg), "dry run created a cgroup: " + cg);
        }
    }

    @Test
    void printsDomainAndPlan() throws IOException {
        TestHost h = host();
        Path img = tmp.resolve("disk.img");
        Files.write(img, new byte[4096]);
        Path cfg = h.domain("dry.cfg", "name = \"dry\"", "type = \"hvm\"", "memory = 96", "vcpus = 2",
                "disk = [ \"format=raw, vdev=hda, access=rw, target=" + img + "\" ]", "serial = \"pty\"", "dm_restrict = 1");
        JsonNode j = dryRun(h, cfg);
        assertEquals("dry", j.at("/domain/c_info/name").asText());
        assertEquals(98304, j.at("/domain/b_info/max_memkb").asInt());
        assertEquals("True", j.at("/domain/b_info/dm_restrict").asText());
        JsonNode plan = j.get("plan");
        assertTrue(plan.get("domid").isNull(), "no domid in a dry run");
        assertEquals("RANGE", plan.at("/user/source").asText());
        assertTrue(plan.at("/user/killByUid").asBoolean());
        List<String> layers = new ArrayList<>();
        plan.get("layers").forEach(l -> layers.add(l.get("layer").asText()));
        assertEquals(List.of("fds-env", "network", "cgroup", "namespaces", "filesystem", "rlimits", "dac", "selinux", "landlock", "seccomp"), layers);
        assertEquals("UNAVAILABLE", layer(plan, "selinux").get("status").asText(), "this kernel has no SELinux");
        JsonNode cg = layer(plan, "cgroup").get("settings");
        assertEquals((96 + 384) * 1024L * 1024, cg.get("memoryBytes").asLong());
        assertTrue(layer(plan, "filesystem").at("/settings/readOnlyBinds").toString().contains("qemu-system-x86_64"));
        // every bind carries the dev:ino the plan saw on its own fd (the launcher binds only that file)
        JsonNode fs = layer(plan, "filesystem").get("settings");
        List<String> binds = new ArrayList<>();
        fs.get("readOnlyBinds").forEach(b -> binds.add(b.asText()));
        List<String> identified = new ArrayList<>();
        fs.get("bindIdentities").fieldNames().forEachRemaining(identified::add);
        assertEquals(binds, identified, "one identity per bind, in the binds' order");
        assertTrue(fs.at("/bindIdentities/~1usr~1bin~1qemu-system-x86_64").asText().matches("[0-9]+:[0-9]+"), fs.toString());
        List<String> argv = argv(plan);
        assertEquals("/usr/bin/qemu-system-x86_64", argv.get(0));
        assertTrue(argv.contains("on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"));
        assertTrue(argv.stream().noneMatch(a -> a.contains(img.toString())), "disk paths never reach the argv: " + argv);
    }

    @Test
    void diskTargetCannotInjectAnOption() throws IOException {
        TestHost h = host();
        // target= swallows the rest of the spec, commas included (xl-disk-configuration(5)).
        Path cfg = h.domain("inj.cfg", "name = \"inj\"", "type = \"hvm\"", "dm_restrict = 1",
                "disk = [ \"format=raw, vdev=hda, access=rw, target=/srv/a.img,file=/etc/shadow\" ]");
        JsonNode j = dryRun(h, cfg);
        assertEquals("/srv/a.img,file=/etc/shadow", j.at("/domain/disks/0/pdev_path").asText());
        List<String> argv = argv(j.get("plan"));
        for (String a : argv) {
            assertFalse(a.contains("/etc/shadow"), "a host path reached QEMU's argv: " + a);
            assertFalse(a.contains("/srv/a.img"), "a disk path reached QEMU's argv: " + a);
        }
        String drive = argv.get(argv.indexOf("-drive") + 1);
        assertTrue(drive.startsWith("file=/dev/fdset/1,"), drive);
        // The fd the launcher opens is the whole target, one path, not split at the comma.
        JsonNode fds = layer(j.get("plan"), "fds-env").at("/settings/fds");
        boolean found = false;
        for (JsonNode f : fds) {
            found |= f.path("path").asText().equals("/srv/a.img,file=/etc/shadow");
        }
        assertTrue(found, fds.toString());
    }

    @Test
    void uuidAndPassthroughAreEscapedOrWarned() throws IOException {
        TestHost h = host();
        Path cfg = h.domain("pt.cfg", "name = \"pt\"", "type = \"hvm\"", "dm_restrict = 1",
                "device_model_args = [ \"-drive\", \"file=/etc/shadow,if=ide\" ]");
        JsonNode j = dryRun(h, cfg);
        assertTrue(j.at("/plan/warnings").toString().contains("names a host path"), j.at("/plan/warnings").toString());
    }

    @Test
    void nameWithCommasIsAcceptedAsXlDoesAndKeptOffQemusOptionSyntax() throws IOException {
        // xl accepts any name; it names no host path (the key does) and its commas are doubled on -name
        TestHost h = host();
        Path cfg = h.domain("comma.cfg", "type = \"hvm\"", "name = \"a,b=c\"", "dm_restrict = 1");
        CliRun r = h.run("create", "-n", cfg.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode plan = new ObjectMapper().readTree(r.out()).get("plan");
        assertEquals("a%2Cb%3Dc", plan.get("paths").get("key").asText());
        assertTrue(plan.get("paths").get("state").asText().endsWith("/domains/a%2Cb%3Dc/state.json"));
        List<String> argv = new ArrayList<>();
        plan.get("argv").forEach(a -> argv.add(a.asText()));
        assertEquals("guest=a,,b=c,debug-threads=on", argv.get(argv.indexOf("-name") + 1));
        assertUntouched(h);
    }

    @Test
    void syntaxErrorIsOneLineWithFileLine() throws IOException {
        TestHost h = host();
        Path cfg = h.domain("syn.cfg", "name = \"x\"", "memory = = 3");
        CliRun r = h.run("create", "-n", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit());
        assertTrue(r.err().startsWith("dmjail: " + cfg + ":2: "), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertUntouched(h);
    }

    @Test
    void unknownSwitchIsRefused() throws IOException {
        TestHost h = host();
        Path cfg = h.domain("sw.cfg", "name = \"sw\"", "type = \"hvm\"", "dm_restrict = 1", "dmjail_bogus = 0");
        CliRun r = h.run("create", "-n", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit());
        assertTrue(r.err().contains(cfg + ":4: dmjail_bogus: unknown dmjail switch"), r.err());
    }

    @Test
    void switchedOffLayerIsWeakenedAndRequireConfinedRefusesIt() throws IOException {
        TestHost h = host();
        Path cfg = h.domain("weak.cfg", "name = \"weak\"", "type = \"hvm\"", "dm_restrict = 1", "dmjail_seccomp = 0");
        JsonNode j = dryRun(h, cfg);
        assertEquals("WEAKENED", layer(j.get("plan"), "seccomp").get("status").asText());
        assertFalse(argv(j.get("plan")).contains("-sandbox"));
        TestHost strict = new TestHost(Files.createDirectory(tmp.resolve("strict")), "require_confined = 1");
        JsonNode p = dryRun(strict, cfg).at("/plan/problems/0"); // this host's policy, not xl's: a problem of the plan
        assertEquals("dmjail_seccomp", p.get("key").asText(), p.toString());
        assertEquals(4, p.get("line").asInt());
        CliRun r = strict.run("create", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit());
        assertTrue(r.err().contains(cfg + ":4: dmjail_seccomp: host policy require_confined=1"), r.err());
    }

    /**
     * A passthrough QEMU option that would override what the plan decides is refused at its own key's line with
     * the reason (QEMU takes the last -m, -name, -machine accel=, …); the dry run lists it as a problem.
     */
    @Test
    void passthroughArgsThatOverrideThePlanAreRefusedAtTheirKey() throws IOException {
        TestHost h = host();
        String[][] cases = {
            {"device_model_args = [ \"--m\", \"4096\" ]", "device_model_args", "'--m' is refused: the plan sets memory"},
            {"device_model_args_hvm = [ \"-global\", \"x=y\", \"-sandbox\", \"off\" ]", "device_model_args_hvm",
                "'-sandbox' is refused: the seccomp layer decides"},
            {"device_model_args = [ \"-machine\", \"accel=tcg\" ]", "device_model_args",
                "'-machine accel=tcg' is refused: the plan chooses the machine type and the accelerator"},
            {"device_model_args = [ \"-chardev\", \"null,id=qmp\" ]", "device_model_args", "chardev id 'qmp' is the plan's"},
            {"device_model_args_hvm = [ \"-runas\", \"0:0\" ]", "device_model_args_hvm", "'-runas' is refused: the launcher"},
            {"device_model_args = [ \"-daemonize\" ]", "device_model_args", "'-daemonize' is refused"},
            {"device_model_args = [ \"-incoming\", \"tcp::4444\" ]", "device_model_args", "'-incoming' is refused"},
        };
        for (String[] c : cases) {
            Path cfg = h.domain("pass.cfg", "name = \"pass\"", "type = \"hvm\"", "memory = 32", c[0]);
            JsonNode p = dryRun(h, cfg).at("/plan/problems/0");
            assertEquals(c[1], p.get("key").asText(), c[0] + ": " + p);
            assertEquals(4, p.get("line").asInt(), p.toString());
            assertTrue(p.get("reason").asText().contains(c[2]), c[0] + ": " + p);
        }
        // what the plan does not decide passes through, one element each, at the end
        Path ok = h.domain("ok.cfg", "name = \"ok\"", "type = \"hvm\"", "memory = 32",
                "device_model_args = [ \"-machine\", \"usb=off\", \"-chardev\", \"null,id=extra\", \"-global\", \"a=b\" ]");
        JsonNode plan = dryRun(h, ok).get("plan");
        assertEquals(0, plan.get("problems").size(), plan.get("problems").toString());
        List<String> argv = argv(plan);
        assertEquals(List.of("-machine", "usb=off", "-chardev", "null,id=extra", "-global", "a=b"),
                argv.subList(argv.size() - 6, argv.size()));
        for (String[] c : cases) {
            Path cfg = h.domain("pass.cfg", "name = \"pass\"", "type = \"hvm\"", "memory = 32", c[0]);
            CliRun r = h.run("create", cfg.toString());
            assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.err());
            assertTrue(r.err().contains(cfg + ":4: " + c[1] + ": '") && r.err().contains(c[2]), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(Files.exists(h.stateDir.resolve("domains/pass")), "a refused create left its state");
        }
    }

    /** A key the config does not hold has no line: the error says FILE: KEY: reason, never FILE:0:. */
    @Test
    void anErrorWithoutALineNamesFileAndKeyOnly() throws IOException {
        TestHost strict = new TestHost(tmp, "require_confined = 1");
        Path cfg = strict.domain("nodm.cfg", "name = \"nodm\"", "type = \"hvm\""); // dm_restrict: xl's default 0
        CliRun r = strict.run("create", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.err());
        assertTrue(r.err().contains(cfg + ": dm_restrict: host policy require_confined=1 needs dm_restrict=1"), r.err());
        assertFalse(r.err().contains(":0:"), r.err());
        Path missing = tmp.resolve("no-such.conf");
        CliRun h = CliRun.run(List.of("--host-config", missing.toString(), "create", "-n", cfg.toString()));
        assertEquals(ExitCodes.BAD_CONFIG, h.exit(), h.err());
        assertTrue(h.err().contains(missing + ": host config not found"), h.err());
        CliRun c = strict.run("create", "-n", tmp.resolve("no-such.cfg").toString());
        assertTrue(c.err().contains(tmp.resolve("no-such.cfg") + ": unable to open configuration file: No such file or directory"),
                c.err());
    }

    @Test
    void hostConfigErrorsNameFileLineKey() throws IOException {
        TestHost h = new TestHost(tmp, "bogus_key = 1");
        Path cfg = h.domain("x.cfg", "name = \"x\"", "type = \"hvm\"");
        CliRun r = h.run("create", "-n", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit());
        assertTrue(r.err().contains(h.config + ":3: bogus_key: unknown key"), r.err());
        TestHost h2 = new TestHost(Files.createDirectory(tmp.resolve("h2")), "cgroup_pids_max = lots");
        r = h2.run("create", "-n", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit());
        assertTrue(r.err().contains(h2.config + ":3: cgroup_pids_max: expected a number"), r.err());
    }

    /**
     * A PV guest that libxl would start no QEMU for (phy disk, no vfb): on the qemu backend the plan says it needs
     * a Xen host and has no device model; --check exits 6 and create refuses it at the type line.
     */
    @Test
    void aPvGuestWithoutQemuDevicesPlansNoDeviceModel() throws Exception {
        TestHost h = host();
        Path img = tmp.resolve("xf-root.img");
        Files.write(img, new byte[4096]);
        Path cfg = h.domain("xf-pv.cfg", "name = \"xf-pv\"", "type = \"pv\"", "kernel = \"/boot/vmlinuz\"", "dm_restrict = 1",
                "disk = [ \"format=raw, vdev=xvda, access=rw, target=" + img + "\" ]");
        JsonNode j = dryRun(h, cfg);
        JsonNode plan = j.get("plan");
        assertFalse(plan.at("/deviceModel/needed").asBoolean(), plan.get("deviceModel").toString());
        assertEquals(0, plan.get("argv").size(), plan.get("argv").toString());
        assertEquals(0, plan.get("layers").size());
        String problems = plan.get("problems").toString();
        assertTrue(problems.contains("a pv guest needs a Xen host") && problems.contains("needs no device model"), problems);
        assertEquals(2, plan.at("/problems/0/line").asInt(), problems);
        assertEquals(ExitCodes.WOULD_REFUSE, h.run("create", "-n", "--check", cfg.toString()).exit());
        CliRun r = h.run("create", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.err());
        assertTrue(r.err().contains(cfg + ":2: type: a pv guest needs a Xen host"), r.err());
    }

    /**
     * A PV guest with a qcow2 disk and vnc = 1 needs QEMU (qdisk, vfb): the plan shows libxl's xenpv device model,
     * its qdisk on an fd QEMU never opens by path (xen-disk), and every layer, with the uid switched (which
     * libxl does not do for a PV guest's QEMU). A PVH guest's vnc is xl's to ignore: no vfb, only the qdisk.
     */
    @Test
    void aPvGuestWithQdiskAndVfbPlansTheConfinedXenpvDeviceModel() throws Exception {
        TestHost xen = new TestHost(tmp, "backend = xen");
        Path img = tmp.resolve("xf-root.qcow2");
        Process p = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "16M").inheritIO().start();
        assertEquals(0, p.waitFor());
        for (String type : List.of("pv", "pvh")) {
            Path cfg = xen.domain("xf-" + type + ".cfg", "name = \"xf-" + type + "\"", "type = \"" + type + "\"",
                    "kernel = \"/boot/vmlinuz\"", "memory = 128", "maxmem = 256", "dm_restrict = 1", "vnc = 1",
                    "disk = [ \"format=qcow2, vdev=xvda, access=rw, target=" + img + "\" ]");
            JsonNode plan = dryRun(xen, cfg).get("plan");
            assertTrue(plan.at("/deviceModel/needed").asBoolean(), plan.get("deviceModel").toString());
            String reasons = plan.at("/deviceModel/reasons").toString();
            assertTrue(reasons.contains("disk xvda: format=qcow2"), reasons);
            assertEquals(type.equals("pv"), reasons.contains("vfb"), reasons);
            List<String> argv = argv(plan);
            for (String want : List.of("-xen-domid", "-xen-attach", "xenpv", "-xen-domid-restrict", "-no-shutdown")) {
                assertTrue(argv.contains(want), want + " in " + argv);
            }
            assertEquals("256", argv.get(argv.indexOf("-m") + 1), "libxl's -m is maxmem");
            assertTrue(argv.contains("xen-disk,vdev=xvda,drive=drive-xvda"), argv.toString());
            assertTrue(argv.stream().noneMatch(a -> a.contains(img.toString())), "the image reaches QEMU as an fd only");
            assertFalse(argv.contains("-smp") || argv.contains("-serial") || argv.contains("-netdev"), argv.toString());
            // the installed QEMU (7.2) drops privileges with -runas and -chroot
            assertTrue(argv.contains("-runas") && argv.contains("-chroot"), argv.toString());
            assertEquals("7.2", plan.at("/deviceModel/qemu/version").asText().substring(0, 3));
            assertEquals("ENFORCED", layer(plan, "dac").get("status").asText());
            assertEquals("ENFORCED", layer(plan, "seccomp").get("status").asText());
            assertTrue(plan.get("problems").toString().contains("not a Xen host"), plan.get("problems").toString());
        }
    }

    @Test
    void diskSymlinkIntoSystemDirsIsRefused() throws IOException {
        TestHost h = host();
        Path link = tmp.resolve("innocent.img");
        Files.createSymbolicLink(link, Path.of("/etc/shadow"));
        Path cfg = h.domain("sym.cfg", "name = \"sym\"", "type = \"hvm\"", "dm_restrict = 1",
                "disk = [ \"format=raw, vdev=hda, access=rw, target=" + link + "\" ]");
        CliRun r = h.run("create", "-n", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.out());
        assertTrue(r.err().contains(cfg + ":4: disk: hda: " + link + " resolves to /etc/shadow, under /etc"), r.err());
        assertUntouched(h);
    }

    static JsonNode layer(JsonNode plan, String name) {
        for (JsonNode l : plan.get("layers")) {
            if (l.get("layer").asText().equals(name)) {
                return l;
            }
        }
        throw new AssertionError("no layer " + name);
    }

    static List<String> argv(JsonNode plan) {
        List<String> out = new ArrayList<>();
        plan.get("argv").forEach(a -> out.add(a.asText()));
        return out;
    }
}
