package dev.dmjail.toolstack.layer;

import dev.dmjail.launcher.spec.DeviceNode;
import dev.dmjail.launcher.spec.FilesystemSection;
import dev.dmjail.launcher.spec.RootFile;
import dev.dmjail.toolstack.plan.KernelBoot;
import dev.dmjail.toolstack.layer.LayerVerdict.Check;
import dev.dmjail.toolstack.proc.ProcessView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A per-domain root that holds only what the device model needs, read-only: its binary, the shared
 * libraries its ELF headers name (resolved like ld.so, not guessed), its firmware/ROM/module
 * directories, a private /dev with the allow-listed nodes, and a small writable /tmp owned by the
 * device-model uid. The launcher builds it on a tmpfs inside its private mount namespace and
 * pivot_root()s into it with the old root detached (Firecracker's jailer does the same), so the
 * host never sees these mounts and nothing is left to unmount on destroy. A statically linked
 * device model gets just itself. A directly booted guest's kernel and initrd are bound in too, from
 * files the launcher opened itself ({@code plan/KernelBoot}).
 */
public final class FilesystemLayer implements ConfinementLayer {

    public static final String NAME = "filesystem";
    public static final LayerKeys KEYS = LayerKeys.of(NAME).switched().host("filesystem", "filesystem_tmpfs_kib")
            .switchAlias("root", "filesystem").hostAlias("private_root", "filesystem").hostAlias("tmpfs_kib", "filesystem_tmpfs_kib");

    /**
     * @param bindIdentities each read-only bind → "dev:ino" the plan saw on its own fd
     *                       ({@link FilesystemRootContents}); the launcher binds only that file. Empty
     *                       in a state file written before it existed: destroy needs none of it, and
     *                       the audit then has no identities to compare
     */
    public record Settings(String mountPoint, List<String> readOnlyBinds, Map<String, String> symlinks,
                           List<FilesystemDeviceNodes.Node> devices, List<String> writableDirs, long tmpfsBytes,
                           List<KernelBoot.File> files, Map<String, String> bindIdentities) {
        public Settings {
            // sorted: the dry run and the state file print them in one order
            bindIdentities = bindIdentities == null ? Map.of()
                    : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(bindIdentities));
        }
    }

    @Override
    public String name() { return NAME; }

    @Override
    public LayerPlan plan(PlanContext ctx) throws PlanException {
        LayerPlan plan = planRoot(ctx);
        if (!plan.active() && ctx.dm().kernelBoot() != null) {
            throw new PlanException("kernel", "direct kernel boot needs the private root (the launcher binds the "
                    + "kernel into it from the file it opened), and this domain's root is not private: " + plan.reason());
        }
        return plan;
    }

    private LayerPlan planRoot(PlanContext ctx) throws PlanException {
        if (!ctx.switches().on(NAME)) {
            return LayerPlan.weakened(NAME, DomainSwitches.offReason(NAME) + ": the device model sees the host's filesystem", null);
        }
        if (!ctx.policy().filesystem()) {
            return LayerPlan.weakened(NAME, "host config filesystem=0", null);
        }
        if (!ctx.switches().on(NamespaceLayer.KEYS.part("mount")) || !ctx.policy().namespaces().contains("mount")) {
            return LayerPlan.weakened(NAME, "needs the mount namespace, which is switched off", null);
        }
        FilesystemRootContents rc;
        try {
            rc = FilesystemRootContents.compute(Path.of(ctx.dm().binary()), ctx.dm().firmwareDirs(), ctx.policy().stateDir());
        } catch (IOException e) {
            throw new PlanException(ctx.domain().deviceModelOverride() != null ? "device_model_override" : null,
                    "cannot resolve what " + ctx.dm().binary() + " needs: " + e.getMessage());
        }
        // the launcher mounts these before the binds, so a device model under /tmp stays visible
        List<String> writable = List.of("/tmp");
        List<FilesystemDeviceNodes.Node> devs = FilesystemDeviceNodes.forDomain(ctx);
        List<KernelBoot.File> files = ctx.dm().kernelBoot() == null ? List.of() : ctx.dm().kernelBoot().files();
        return LayerPlan.enforced(NAME, new Settings(ctx.paths().filesystemRoot().toString(), rc.binds(), rc.symlinks(),
                devs, writable, ctx.policy().filesystemTmpfsBytes(), files, rc.identities()));
    }

    @Override
    public void prepareHost(LayerPlan plan, DomainRuntime rt) throws LayerException {
        if (!plan.active()) {
            return;
        }
        Path mp = Path.of(plan.settingsAs(Settings.class).mountPoint());
        try {
            Files.createDirectories(mp.getParent());
            Files.createDirectory(mp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            rt.prepared().done(NAME, "dir " + mp);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            if (!Files.isDirectory(mp, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new LayerException(NAME, "mkdir", mp + " exists and is not a directory");
            }
            // an empty mount point left by a crashed earlier domain of this name: used, not ours to remove
        } catch (IOException e) {
            throw new LayerException(NAME, "mkdir", mp + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void contribute(LayerPlan plan, DomainRuntime rt, LaunchSpecBuilder spec) {
        if (!plan.active()) {
            return;
        }
        Settings s = plan.settingsAs(Settings.class);
        // the plan's nodes and files as the launcher's wire types: the one place the two meet (same fields)
        spec.section(new FilesystemSection(s.mountPoint(), s.readOnlyBinds(), s.symlinks(),
                s.devices().stream().map(n -> new DeviceNode(n.name(), n.major(), n.minor(), n.mode())).toList(),
                s.writableDirs(), s.tmpfsBytes(),
                s.files().stream().map(f -> new RootFile(f.at(), f.hostPath(), f.identity())).toList(),
                s.bindIdentities()));
    }

    @Override
    public LayerVerdict verify(LayerPlan plan, ProcessView view) {
        List<Check> checks = new ArrayList<>();
        String rootMount = view.mountinfo().stream().filter(l -> l.split(" ")[4].equals("/")).findFirst().orElse("");
        if (!plan.active()) {
            checks.add(new Check("root", "host root (weakened)", rootMount, true));
            return LayerVerdict.of(plan, checks);
        }
        Settings s = plan.settingsAs(Settings.class);
        // the host's root is init's (/proc/1/root): the toolstack could itself be chrooted
        String rootId = view.rootIdentity().orElse("gone");
        boolean hostRoot = rootId.equals(view.init().rootIdentity().orElse(""));
        checks.add(new Check("root is not the host's", "private root", rootId.equals("gone") ? "unreadable"
                : hostRoot ? "host root" : "private root", !hostRoot && !rootId.equals("gone")));
        String[] f = rootMount.isEmpty() ? new String[0] : rootMount.split(" - ", 2)[0].split(" ");
        boolean ro = f.length > 5 && List.of(f[5].split(",")).contains("ro");
        checks.add(new Check("/ mounted read-only", "ro", f.length > 5 ? f[5] : "?", ro));
        TreeSet<String> wantTop = new TreeSet<>();
        for (String p : s.readOnlyBinds()) {
            wantTop.add(Path.of(p).getName(0).toString());
        }
        for (String p : s.symlinks().keySet()) {
            wantTop.add(Path.of(p).getName(0).toString());
        }
        wantTop.add("dev");
        for (String w : s.writableDirs()) {
            wantTop.add(Path.of(w).getName(0).toString());
        }
        for (KernelBoot.File rf : s.files()) {
            wantTop.add(Path.of(rf.at()).getName(0).toString());
            String seen = view.identityInRoot(rf.at()).orElse("not there");
            checks.add(new Check(rf.at() + " is the planned file", rf.identity(), seen, rf.identity().equals(seen)));
        }
        if (!s.bindIdentities().isEmpty()) {
            // what its root holds at each bind's path is the file the plan checked (a bind mount shows
            // its source's dev:ino); a state file from before identities were planned has none to compare
            List<String> other = new ArrayList<>();
            for (String b : s.readOnlyBinds()) {
                String want = s.bindIdentities().get(b);
                String seen = view.identityInRoot(b).orElse("not there");
                if (!seen.equals(want)) {
                    other.add(b + " " + seen + " (planned " + want + ")");
                }
            }
            checks.add(new Check("binds are the files the plan checked", s.readOnlyBinds().size() + " as planned (dev:ino)",
                    other.isEmpty() ? s.readOnlyBinds().size() + " as planned" : String.join(", ", other.subList(0, Math.min(3, other.size())))
                            + (other.size() > 3 ? " and " + (other.size() - 3) + " more" : ""), other.isEmpty()));
        }
        TreeSet<String> top = new TreeSet<>(view.listRoot("/"));
        checks.add(new Check("top-level entries of its root", String.join(" ", wantTop), String.join(" ", top), top.equals(wantTop)));
        TreeSet<String> wantDev = new TreeSet<>();
        s.devices().forEach(d -> wantDev.add(d.name()));
        TreeSet<String> dev = new TreeSet<>(view.listRoot("/dev"));
        checks.add(new Check("/dev allow-list", String.join(" ", wantDev), String.join(" ", dev), dev.equals(wantDev)));
        List<String> writable = new ArrayList<>();
        for (String l : view.mountinfo()) {
            String[] a = l.split(" - ", 2)[0].split(" ");
            if (!List.of(a[5].split(",")).contains("ro") && !s.writableDirs().contains(a[4])) {
                writable.add(a[4]);
            }
        }
        checks.add(new Check("writable mounts", String.join(" ", s.writableDirs()), writable.isEmpty() ? "none besides them"
                : String.join(" ", writable), writable.isEmpty()));
        return LayerVerdict.of(plan, checks);
    }

    @Override
    public void release(LayerPlan plan, DomainRuntime rt) throws LayerException {
        if (!plan.active()) {
            return;
        }
        Path mp = Path.of(plan.settingsAs(Settings.class).mountPoint());
        try {
            if (rt.prepared().has(NAME, "dir " + mp)) {
                Files.deleteIfExists(mp);
            }
        } catch (IOException e) {
            throw new LayerException(NAME, "rmdir", mp + ": " + e.getMessage(), e);
        }
    }
}
