package dev.dmjail.toolstack.plan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmjail.config.ConfigException;
import dev.dmjail.config.DomainConfig;
import dev.dmjail.config.DomainType;
import dev.dmjail.config.ParsedDomain;
import dev.dmjail.config.XlSetting;
import dev.dmjail.toolstack.host.HostFacts;
import dev.dmjail.toolstack.host.HostPolicy;
import dev.dmjail.toolstack.host.ImageDirs;
import dev.dmjail.toolstack.host.QemuFacts;
import dev.dmjail.toolstack.host.QemuProbe;
import dev.dmjail.toolstack.layer.ConfinementLayer;
import dev.dmjail.toolstack.layer.DomainSwitches;
import dev.dmjail.toolstack.layer.LayerPlan;
import dev.dmjail.toolstack.layer.PlanContext;
import dev.dmjail.toolstack.layer.PlanException;
import dev.dmjail.toolstack.layer.SeccompLayer;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.state.StateStore;
import dev.dmjail.uidrange.DeviceModelUserResolver;
import dev.dmjail.uidrange.ResolvedUser;
import dev.dmjail.uidrange.UserDatabase;
import dev.dmjail.uidrange.UserResolutionException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a parsed domain into a {@link ConfinementPlan}: resolves the device-model user, builds the
 * QEMU command, and asks every layer for its plan. Pure apart from reading the user database and
 * stat()ing disk images: the dry run calls exactly this and changes nothing on the host.
 */
public final class Planner {

    private final HostPolicy policy;
    private final HostFacts facts;
    private final UserDatabase users;
    private final List<ConfinementLayer> layers;
    private final StateStore store;

    public Planner(HostPolicy policy, HostFacts facts, UserDatabase users, List<ConfinementLayer> layers, StateStore store) {
        this.policy = policy;
        this.facts = facts;
        this.users = users;
        this.layers = layers;
        this.store = store;
    }

    /**
     * @param domid  the allocated domid, or null for a dry run
     * @param strict create: disks must exist; dry run: problems become warnings
     */
    public ConfinementPlan plan(ParsedDomain parsed, Integer domid, boolean strict) throws PlanFailure {
        return plan(parsed, domid, strict, null);
    }

    /** As {@link #plan(ParsedDomain, Integer, boolean)}, for a restore of {@code incoming} (or null). */
    public ConfinementPlan plan(ParsedDomain parsed, Integer domid, boolean strict, Incoming incoming) throws PlanFailure {
        DomainConfig d = parsed.domain();
        Path file = d.source();
        java.util.Optional<String> badName = dev.dmjail.toolstack.lifecycle.DomainNames.unusable(d.name());
        if (badName.isPresent()) {
            throw new PlanFailure(where(parsed, "name") + badName.get());
        }
        checkSizes(parsed);
        Problems problems = strict ? Problems.refusing() : Problems.listing(key -> line(parsed, key));
        for (ParsedDomain.Ignored i : parsed.ignored()) {
            // xl -N warns and goes on without the value (the JSON is xl's); a guest run without what its config
            // says is a key accepted and ignored, so create refuses it
            problem(parsed, problems, i.key(), i.line(), "xl ignores this setting (" + i.reason() + ") and would run the "
                    + "guest without it; dmjail does not");
        }
        try {
            checkBinary(parsed, problems);
        } catch (PlanException e) {
            throw failure(parsed, e);
        }
        if (policy.backend().equals("xen") && !HostFacts.isXenHost()) {
            // create refuses this before planning (DomainManager); the dry run lists it
            problem(parsed, problems, "backend", 0, "the host config selects backend = xen, but this is not a Xen "
                    + "host (no /proc/xen/capabilities)");
        }
        boolean pv = d.type() != DomainType.HVM;
        if (pv && !policy.backend().equals("xen")) {
            // QEMU alone runs no PV/PVH guest: Xen builds the domain and QEMU only serves some back-ends. The
            // plan shows the device model libxl would start on a Xen host, confined as dmjail would confine it.
            problem(parsed, problems, "type", "a " + d.type().name().toLowerCase() + " guest needs a Xen host "
                    + "(host config backend = xen on a Xen dom0); this host's backend is qemu");
        }
        DomainSwitches sw;
        try {
            sw = DomainSwitches.from(parsed.raw(), file);
        } catch (DomainSwitches.SwitchException e) {
            throw new PlanFailure(e.getMessage());
        }
        boolean dmRestrict = Boolean.TRUE.equals(d.dmRestrict());
        if (policy.requireConfined()) { // this host's policy, not xl's: listed by the dry run, refused by create
            var weak = sw.firstWeakening();
            if (weak != null) {
                problem(parsed, problems, weak.getKey(), weak.getValue(),
                        "host policy require_confined=1 forbids switching a layer off");
            }
            if (!dmRestrict) {
                problem(parsed, problems, "dm_restrict", "host policy require_confined=1 needs dm_restrict=1");
            }
        }
        ResolvedUser user;
        try {
            user = new DeviceModelUserResolver(users, policy.allowRootFallback(), policy.rangeBaseUser(), policy.sharedUser())
                    .resolve(domid, dmRestrict, d.deviceModelUser());
        } catch (UserResolutionException e) {
            String key = d.deviceModelUser() != null ? "device_model_user" : "dm_restrict";
            // host facts, not parse errors (xl -N looks no user up; libxl checks at create): the dry run plans the
            // named user, or the range this host has not installed, with the ids unknown, and lists the problem
            problem(parsed, problems, key, e.getMessage());
            user = d.deviceModelUser() != null
                    ? new ResolvedUser(null, null, d.deviceModelUser(), ResolvedUser.Source.EXPLICIT, false, true, null, null,
                            List.of())
                    : new ResolvedUser(null, null, policy.rangeBaseUser(), ResolvedUser.Source.RANGE, true, true, null, null,
                            List.of());
        }
        Integer reaper = users.byName(policy.reaperUser()).map(dev.dmjail.uidrange.PasswdEntry::uid).orElse(null);
        if (user.uid() != null && user.uid().equals(reaper)) {
            problem(parsed, problems, "device_model_user", "\"" + user.userName()
                    + "\" is the reaper user (host config reaper_user), which kills device models; it cannot run one");
        }
        if (policy.requireConfined() && !user.dacInForce()) {
            problem(parsed, problems, "dm_restrict", "host policy require_confined=1 forbids running the device model as root");
        }
        List<String> warnings = new ArrayList<>(parsed.warnings());
        warnings.addAll(user.warnings());
        warnings.addAll(sw.warnings());
        java.util.Optional<String> uncreatable = dev.dmjail.toolstack.lifecycle.DomainNames.uncreatable(d.name());
        if (uncreatable.isPresent()) {
            problem(parsed, problems, "name", uncreatable.get());
        }
        List<UnhonouredKeys.Problem> unhonoured = UnhonouredKeys.find(parsed);
        if (strict && !unhonoured.isEmpty()) {
            UnhonouredKeys.Problem p = unhonoured.get(0);
            throw new PlanFailure(ConfigException.where(file, p.line(), p.key()) + p.reason()
                    + (unhonoured.size() > 1 ? " (and " + (unhonoured.size() - 1) + " more; `create -n` lists them)" : ""));
        }
        for (UnhonouredKeys.Problem p : unhonoured) {
            // the parser's "unknown key, ignored" would contradict this: the key is not ignored, it is refused
            warnings.remove(ConfigException.where(file, p.line(), p.key()) + "unknown key, ignored (not supported by dmjail)");
            problem(parsed, problems, p.key(), p.line(), p.reason());
        }
        if (ShutdownActions.needsWatcher(d) && !dev.dmjail.toolstack.lifecycle.DomainWatcher.running(store.stateDir())) {
            ShutdownActions.WatcherActions wa = ShutdownActions.watcherActions(d);
            String key = wa.onShutdown() != null ? "on_poweroff" : parsed.raw().get("on_crash").isPresent() ? "on_crash"
                    : "on_poweroff";
            String why = (wa.onShutdown() != null ? "on_poweroff = \"" + wa.onShutdown().xl() + "\""
                    : "on_crash = \"" + wa.onPanic().xl() + "\"" + (wa.onPanic() == dev.dmjail.config.ShutdownAction.DESTROY
                    ? " with on_poweroff = \"" + d.onPoweroff().xl() + "\"" : ""))
                    + " is carried out by the host's watcher (dmjail watch; systemctl enable --now dmjail-watch), "
                    + "which is not running for " + store.stateDir();
            problem(parsed, problems, key, why);
        }
        DomainPaths paths;
        try {
            paths = store.pathsOfKey(store.newKey(d.name(), domid)); // under the host lock in create
        } catch (java.io.IOException e) {
            throw new PlanFailure(ConfigException.where(file, 0, null) + "cannot read the state dir " + store.stateDir() + ": " + e.getMessage());
        }
        DeviceModelPlan dm;
        XenPvDevices.Need need;
        QemuFacts qemu;
        try {
            int diskLine = parsed.raw().get("disk").map(XlSetting::line).orElse(0);
            List<ResolvedDisk> disks = new DiskResolver(policy, disksInUse(null, incoming == null ? null : incoming.handoverFrom()))
                    .resolve(d.disks(), diskLine, problems, !pv);
            if (ImageDirs.any(policy) && !disks.isEmpty()) {
                warnings.add("disk: host config image_dirs = any: disks are not limited to image directories (WEAKENED)");
            }
            KernelBoot kernelBoot = KernelBoot.resolve(d, policy, user.source() == ResolvedUser.Source.ROOT, problems);
            need = pv ? XenPvDevices.of(d, parsed.raw(), disks) : null;
            qemu = pv || policy.backend().equals("xen") ? qemuFacts(parsed, problems, warnings) : null;
            dm = new QemuCommandBuilder(policy, facts).build(d, domid, paths, pv ? need.qdisks() : disks, kernelBoot,
                    incoming, SeccompLayer.wantsQemuSandbox(sw, policy.seccompSandbox()), user, qemu, problems);
        } catch (PlanException e) {
            throw failure(parsed, e);
        }
        warnings.addAll(dm.warnings());
        for (Nic n : dm.nics()) {
            // a host fact, not a parse error: the dry run says create would refuse it (xl -N does not look)
            if (!dev.dmjail.toolstack.layer.NetworkLayer.bridgeExists(n.bridge())) {
                problem(parsed, problems, "vif", "vif " + n.devid() + ": bridge " + n.bridge() + " does not exist on "
                        + "this host (create it, or set bridge= in the vif spec; docs/admin-guide.md, \"Guest networking\")");
            }
        }
        ConfinementPlan.DeviceModel model = new ConfinementPlan.DeviceModel(need == null || need.needed(),
                need == null ? List.of("an HVM guest's devices are QEMU's") : need.reasons(), qemu);
        if (!model.needed()) {
            // libxl starts no QEMU for this guest: nothing to confine, and nothing for dmjail to start
            problem(parsed, problems, "type", "this " + d.type().name().toLowerCase() + " guest needs no device model "
                    + "(libxl starts none: no qdisk disk, vfb, vkb, 9pfs, channel or qusb), and dmjail builds no Xen domain");
        }
        PlanContext ctx = new PlanContext(d, user, domid, policy, facts, sw, paths, dm);
        List<LayerPlan> plans = new ArrayList<>();
        for (ConfinementLayer l : model.needed() ? layers : List.<ConfinementLayer>of()) {
            try {
                plans.add(l.plan(ctx));
            } catch (PlanException e) {
                // at the key that caused it, when the layer names one
                throw new PlanFailure(where(parsed, e.key()) + l.name() + ": " + e.getMessage());
            }
        }
        for (Problems.Problem p : problems.list()) {
            warnings.add(ConfigException.where(file, p.line(), p.key()) + p.reason() + "; create would refuse it");
        }
        return new ConfinementPlan(domid, dm.backend(), dm.accel(), user, model, List.copyOf(plans),
                model.needed() ? dm.argv() : List.of(), List.copyOf(warnings), problems.list(),
                new ConfinementPlan.Paths(paths.key(), paths.stateFile().toString(),
                        paths.qmpSocket().toString(), paths.log().toString(), paths.console().toString()));
    }

    /**
     * The disks every other domain of this host holds, from their stored plans' launch fds (the
     * create path calls this under the host lock, so two creates cannot both take one disk).
     */
    /** @param selfKey the key of the domain a disk is added to (null: a new one), whose own disks are no conflict */
    private List<DiskAdmission.InUse> disksInUse(String selfKey) {
        return disksInUse(selfKey, null);
    }

    /** As {@link #disksInUse(String)}, without the disks of {@code handoverKey} (a local migration's sender), if any. */
    private List<DiskAdmission.InUse> disksInUse(String selfKey, String handoverKey) {
        List<DiskAdmission.InUse> out = new ArrayList<>();
        try {
            for (DomainRecord r : store.list()) {
                // by key: names may repeat (the empty one)
                if (r.key().equals(selfKey) || r.key().equals(handoverKey) || r.plan() == null) {
                    continue;
                }
                java.util.Map<String, Boolean> writable = new java.util.LinkedHashMap<>(); // identity → any fd rw
                for (JsonNode fd : r.plan().path("layers").findValues("fds")) {
                    for (JsonNode f : fd) {
                        if ("DISK".equals(f.path("kind").asText()) && f.hasNonNull("identity")) {
                            writable.merge(f.get("identity").asText(), f.path("write").asBoolean(), Boolean::logicalOr);
                        }
                    }
                }
                writable.forEach((id, rw) -> out.add(new DiskAdmission.InUse(r.name(), id, rw)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading the other domains' state", e);
        }
        return out;
    }

    /**
     * A new cdrom medium for a running domain (cd-insert): {@code target} resolved and admitted exactly as a
     * disk of a domain config would be (image_dirs, one link, not another domain's read-write disk), read-only.
     */
    public ResolvedDisk resolveMedium(String domainKey, String vdev, String target) throws PlanFailure {
        return resolveHotplug(domainKey, new dev.dmjail.config.DiskSpec(target, vdev, "raw", false, true, null, null, null,
                false, null, null, null));
    }

    /** A disk attached to a running domain (block-attach, cd-insert), resolved and admitted as at create. */
    public ResolvedDisk resolveHotplug(String domainKey, dev.dmjail.config.DiskSpec spec) throws PlanFailure {
        try {
            return new DiskResolver(policy, disksInUse(domainKey)).resolve(List.of(spec), 0, Problems.refusing()).get(0);
        } catch (PlanException e) {
            throw new PlanFailure(e.getMessage());
        }
    }

    /** The device model binary (device_model_override, else the host's qemu_binary) is an executable regular file. */
    private void checkBinary(ParsedDomain parsed, Problems problems) throws PlanException, PlanFailure {
        String override = parsed.domain().deviceModelOverride();
        Path bin;
        try {
            bin = override != null ? Path.of(override) : policy.qemuBinary();
        } catch (java.nio.file.InvalidPathException e) {
            throw new PlanFailure(where(parsed, "device_model_override") + "\"" + override
                    + "\" is not a path (" + e.getReason() + ")");
        }
        String why = null;
        if (!bin.isAbsolute()) {
            why = "is not an absolute path";
        } else if (!java.nio.file.Files.exists(bin)) {
            why = "does not exist";
        } else if (!java.nio.file.Files.isRegularFile(bin)) {
            why = "is not a regular file";
        } else {
            try {
                int mode = (Integer) java.nio.file.Files.getAttribute(bin, "unix:mode");
                if ((mode & 0111) == 0) {
                    why = "is not executable";
                } else if (!dev.dmjail.toolstack.elf.ElfFile.isElf64(bin, -1)) {
                    // a script or another format: the filesystem layer resolves the root from ELF headers, and
                    // the kernel would run a #! interpreter the root does not hold
                    why = "is not an ELF64 executable";
                }
            } catch (IOException | RuntimeException e) {
                why = "cannot be examined (" + e.getMessage() + ")";
            }
        }
        if (why == null) {
            return;
        }
        why = bin + " " + why + "; the device model must be an executable file";
        if (override == null) {
            throw new PlanFailure("host config qemu_binary: " + why); // the host config's own error, not the domain's
        }
        // a host fact, not a parse error (xl -N does not look for the binary)
        problems.add("device_model_override", why);
    }

    /**
     * What the device model binary accepts (the xen backend's argv follows it). A binary that cannot be
     * probed is a problem of this host; the plan then shows the argv for QEMU 10.x, the newest modelled.
     */
    private QemuFacts qemuFacts(ParsedDomain parsed, Problems problems, List<String> warnings) throws PlanFailure {
        String override = parsed.domain().deviceModelOverride();
        Path bin = override != null ? Path.of(override) : policy.qemuBinary();
        try {
            return QemuProbe.of(bin, policy.stateDir());
        } catch (IOException e) {
            if (java.nio.file.Files.exists(bin)) { // a missing binary is already a problem (checkBinary)
                String key = override != null ? "device_model_override" : "backend";
                problem(parsed, problems, key, override != null ? line(parsed, key) : 0,
                        "cannot tell which options the device model has: " + e.getMessage());
            }
            warnings.add("device model: the argv shown is for QEMU 10.x (" + bin + " could not be probed)");
            return QemuFacts.forRelease(10, 0);
        }
    }

    /** QEMU's limits for the qemu backend's machines (pc: 255 vCPUs with x2APIC off; RAM: 16 TiB). */
    static final long MAX_MEMORY_MIB = 16L << 20;
    static final int MAX_VCPUS = 255;

    /**
     * Sizes a config may ask for, range-checked before any arithmetic on them: xl accepts memory up
     * to LONG_MAX/1024 MiB, and (memory + overhead) in bytes would wrap into a tiny or negative
     * cgroup limit.
     */
    private static void checkSizes(ParsedDomain parsed) throws PlanFailure {
        DomainConfig d = parsed.domain();
        checkRange(parsed, "memory", d.memoryMiB(), 1, MAX_MEMORY_MIB, " MiB", "16 TiB, QEMU's limit");
        if (parsed.raw().get("maxmem").isPresent()) { // unset, it is memory's value (xl)
            checkRange(parsed, "maxmem", d.maxMemMiB(), 1, MAX_MEMORY_MIB, " MiB", "16 TiB, QEMU's limit");
        }
        // 0 is libxl's "one" (libxl__domain_build_info_setdefault: max_vcpus 0 -> 1), see Effective
        checkRange(parsed, "vcpus", d.vcpus() == null ? null : (long) d.vcpus(), 0, MAX_VCPUS, "", "QEMU's pc machine");
        if (parsed.raw().get("maxvcpus").isPresent()) {
            checkRange(parsed, "maxvcpus", d.maxVcpus() == null ? null : (long) d.maxVcpus(), 0, MAX_VCPUS, "",
                    "QEMU's pc machine");
        }
    }

    private static void checkRange(ParsedDomain parsed, String key, Long v, long min, long max, String unit, String why)
            throws PlanFailure {
        if (v != null && (v < min || v > max)) {
            throw new PlanFailure(where(parsed, key) + v + unit + " is outside " + min + ".." + max
                    + " (" + why + ")");
        }
    }

    /** "FILE:LINE: KEY: " at the key's line; "FILE: KEY: " when it is not in the config; "FILE: " without a key. */
    private static String where(ParsedDomain parsed, String key) {
        return ConfigException.where(parsed.domain().source(), line(parsed, key), key);
    }

    private static int line(ParsedDomain parsed, String key) {
        return key == null ? 0 : parsed.raw().get(key).map(XlSetting::line).orElse(0);
    }

    /** A refusal at the key the exception names, as one line. */
    private static PlanFailure failure(ParsedDomain parsed, PlanException e) {
        return new PlanFailure(where(parsed, e.key()) + e.getMessage());
    }

    /** Create refuses it at the key's line; the dry run lists it. */
    private static void problem(ParsedDomain parsed, Problems problems, String key, String reason) throws PlanFailure {
        problem(parsed, problems, key, line(parsed, key), reason);
    }

    private static void problem(ParsedDomain parsed, Problems problems, String key, int line, String reason)
            throws PlanFailure {
        try {
            problems.add(key, line, reason);
        } catch (PlanException e) {
            throw new PlanFailure(ConfigException.where(parsed.domain().source(), line, key) + reason);
        }
    }

    public List<ConfinementLayer> layers() { return layers; }


}
