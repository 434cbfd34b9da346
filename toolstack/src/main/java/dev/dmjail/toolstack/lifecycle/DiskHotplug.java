package dev.dmjail.toolstack.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.toolstack.sys.SafeFile;
import dev.dmjail.toolstack.sys.Sys;
import dev.dmjail.toolstack.layer.FdEnvLayer;
import dev.dmjail.toolstack.layer.RlimitLayer;
import dev.dmjail.toolstack.plan.BackingImage;
import dev.dmjail.toolstack.plan.DiskDevices;
import dev.dmjail.toolstack.plan.ResolvedDisk;
import dev.dmjail.toolstack.qmp.QmpFdSession;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.state.StateStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Disks attached to and detached from a running domain under restriction (xl block-attach /
 * block-detach). As for cd-insert, the privileged side admits and opens the image (read-only, and
 * read-write when writable: QEMU picks the fd of the access mode it opens with, util/osdep.c
 * qemu_dup_flags), hands the fds over ({@code add-fd}, SCM_RIGHTS), and QEMU builds the node on the
 * fdset ({@code blockdev-add}) and the guest's device ({@code device_add virtio-blk-pci}, ACPI PCI
 * hotplug); then {@code remove-fd}, so the image's last fd closes with the node. The fds are planned in
 * the state file before QEMU gets them and unplanned once detached, so the audit follows. A qcow2 image's
 * backing chain (resolved and admitted by the planner, plan/BackingChain) comes as one read-only fdset
 * and two named nodes per image, bottom first, and the top names the nearest: QEMU never opens a name
 * written in an image, exactly as at create.
 */
public final class DiskHotplug {
    static final String ATTACHED = "attached:";
    private static final long DETACH_WAIT_NANOS = 30_000_000_000L;
    private static final long RELEASE_WAIT_NANOS = 10_000_000_000L;

    private DiskHotplug() {}

    /** QEMU's id for an attached disk's node and device (ids are [A-Za-z][A-Za-z0-9-_.]*: vdevs fit). */
    static String id(String vdev) {
        return "hp-" + vdev;
    }

    /** Whether QEMU's node names for the disk and its backing chain ({@code hp-VDEV-bNf}) fit its limit. */
    public static boolean nodeNamesFit(ResolvedDisk disk) {
        return (id(disk.vdev()) + "-b" + disk.backing().size() + "f").length() <= DiskDevices.NODE_NAME_MAX;
    }

    /** The vdevs the domain has: at create (its argv) and attached since (its plan). */
    public static List<String> vdevs(DomainRecord r) {
        List<String> out = new ArrayList<>();
        for (JsonNode a : r.plan().path("argv")) {
            String s = a.asText();
            int i = s.indexOf("id=drive-");
            if (s.contains("if=none") && i >= 0) {
                int end = s.indexOf(',', i);
                out.add(s.substring(i + 9, end < 0 ? s.length() : end));
            }
        }
        out.addAll(attached(r));
        return out;
    }

    /** The vdevs block-attach added (in the order attached). */
    public static List<String> attached(DomainRecord r) {
        List<String> out = new ArrayList<>();
        for (JsonNode f : fds(r.plan())) {
            String m = f.path("medium").asText();
            if (m.startsWith(ATTACHED) && !out.contains(m.substring(ATTACHED.length()))) {
                out.add(m.substring(ATTACHED.length()));
            }
        }
        return out;
    }

    /** The RLIMIT_FSIZE the device model runs with (a writable image may not grow past it), or -1 when unlimited. */
    public static long fileSizeLimit(DomainRecord r) {
        for (JsonNode l : r.plan().path("layers")) {
            if (RlimitLayer.NAME.equals(l.path("layer").asText()) && l.path("status").asText().equals("ENFORCED")) {
                JsonNode v = l.path("settings").path("limits").path("FSIZE");
                return v.isNumber() ? v.asLong() : -1;
            }
        }
        return -1;
    }

    public static DomainRecord attach(StateStore store, DomainRecord r, ResolvedDisk disk, long timeoutMillis)
            throws IOException {
        String id = id(disk.vdev());
        List<SafeFile.Opened> top = new ArrayList<>();
        List<SafeFile.Opened> below = new ArrayList<>(); // the backing chain, nearest image first
        List<Integer> sets = new ArrayList<>();
        try {
            top.add(open(disk.hostPath(), disk.identity(), Sys.O_RDONLY));
            if (disk.writable()) {
                top.add(open(disk.hostPath(), disk.identity(), Sys.O_RDWR));
            }
            for (BackingImage b : disk.backing()) {
                below.add(open(b.hostPath(), b.identity(), Sys.O_RDONLY));
            }
            try (QmpFdSession q = QmpFdSession.connect(store.paths(r).qmpSocket(),
                    System.nanoTime() + timeoutMillis * 1_000_000L)) {
                int set = fdset(q, disk.vdev() + "-attached", top);
                sets.add(set);
                List<Integer> backingSets = new ArrayList<>();
                for (int i = 0; i < below.size(); i++) {
                    int b = fdset(q, disk.vdev() + "-attached-b" + (i + 1), List.of(below.get(i)));
                    sets.add(b);
                    backingSets.add(b);
                }
                r = withDisk(r, disk); // planned before QEMU can open it
                store.write(r);
                FaultPoint.hit("block-attach.planned");
                List<String> nodes = new ArrayList<>(); // added, in order
                try {
                    String backing = addBackingChain(q, id, disk.backing(), backingSets, nodes);
                    ObjectNode node = QmpFdSession.command("blockdev-add");
                    ObjectNode a = node.putObject("arguments").put("driver", disk.qemuFormat()).put("node-name", id)
                            .put("read-only", !disk.writable());
                    ObjectNode file = a.putObject("file").put("driver", disk.blockDevice() ? "host_device" : "file")
                            .put("filename", "/dev/fdset/" + set);
                    if (disk.writable()) {
                        file.put("locking", "off"); // plan/DiskDevices.LOCKING_OFF says why
                    }
                    if (disk.qemuFormat().equals("qcow2")) {
                        if (backing == null) {
                            a.putNull("backing"); // never the name in its header
                        } else {
                            a.put("backing", backing); // the node dmjail opened, never the name in its header
                        }
                    }
                    q.execute(node, -1);
                    nodes.add(id);
                    FaultPoint.hit("block-attach.node-added");
                    ObjectNode dev = QmpFdSession.command("device_add");
                    dev.putObject("arguments").put("driver", "virtio-blk-pci").put("drive", id).put("id", id);
                    q.execute(dev, -1);
                } catch (IOException e) {
                    for (int i = nodes.size() - 1; i >= 0; i--) {
                        try {
                            deleteNode(q, nodes.get(i));
                        } catch (IOException ignored) {
                            // reported below with the first failure
                        }
                    }
                    r = withoutDisk(r, disk.vdev());
                    store.write(r);
                    throw e;
                } finally {
                    for (int s : sets) {
                        ObjectNode remove = QmpFdSession.command("remove-fd");
                        remove.putObject("arguments").put("fdset-id", s);
                        q.execute(remove, -1);
                    }
                }
                return r;
            }
        } finally {
            top.forEach(o -> SafeFile.close(o.fd()));
            below.forEach(o -> SafeFile.close(o.fd()));
        }
    }

    /** One fdset holding {@code fds} ({@code add-fd} with SCM_RIGHTS); returns its id. */
    private static int fdset(QmpFdSession q, String opaque, List<SafeFile.Opened> fds) throws IOException {
        int set = -1;
        for (SafeFile.Opened o : fds) {
            ObjectNode add = QmpFdSession.command("add-fd");
            ObjectNode args = add.putObject("arguments").put("opaque", opaque);
            if (set >= 0) {
                args.put("fdset-id", set);
            }
            set = q.execute(add, o.fd()).path("fdset-id").asInt(-1);
            if (set < 0) {
                throw new IOException("QMP add-fd: no fdset in the answer");
            }
        }
        return set;
    }

    /**
     * The backing images as read-only nodes, bottom first so each exists before the one that names it
     * (as create's -blockdev graph, plan/DiskDevices): {@code ID-bN} over its file node {@code ID-bNf}.
     * Returns the node the top names, or null without a chain; {@code added} collects the node names.
     */
    private static String addBackingChain(QmpFdSession q, String id, List<BackingImage> chain, List<Integer> sets,
                                          List<String> added) throws IOException {
        String below = null;
        for (int i = chain.size(); i >= 1; i--) {
            BackingImage b = chain.get(i - 1);
            String node = id + "-b" + i;
            ObjectNode file = QmpFdSession.command("blockdev-add");
            file.putObject("arguments").put("driver", b.blockDevice() ? "host_device" : "file")
                    .put("node-name", node + "f").put("filename", "/dev/fdset/" + sets.get(i - 1)).put("read-only", true);
            q.execute(file, -1);
            added.add(node + "f");
            ObjectNode format = QmpFdSession.command("blockdev-add");
            ObjectNode a = format.putObject("arguments").put("driver", b.qemuFormat()).put("node-name", node)
                    .put("file", node + "f").put("read-only", true);
            if (b.qemuFormat().equals("qcow2")) {
                if (below == null) {
                    a.putNull("backing");
                } else {
                    a.put("backing", below);
                }
            }
            q.execute(format, -1);
            added.add(node);
            below = node;
        }
        return below;
    }

    private static void deleteNode(QmpFdSession q, String node) throws IOException {
        ObjectNode del = QmpFdSession.command("blockdev-del");
        del.putObject("arguments").put("node-name", node);
        q.execute(del, -1);
    }

    /** device_del, wait (bounded) until the guest has let the device go, blockdev-del, unplan. */
    public static DomainRecord detach(StateStore store, DomainRecord r, String vdev, long timeoutMillis) throws IOException {
        String id = id(vdev);
        try (QmpFdSession q = QmpFdSession.connect(store.paths(r).qmpSocket(),
                System.nanoTime() + timeoutMillis * 1_000_000L + DETACH_WAIT_NANOS + RELEASE_WAIT_NANOS)) {
            ObjectNode del = QmpFdSession.command("device_del");
            del.putObject("arguments").put("id", id);
            q.execute(del, -1);
            long end = System.nanoTime() + DETACH_WAIT_NANOS;
            while (present(q, id)) {
                if (System.nanoTime() > end) {
                    throw new IOException("the guest did not release " + vdev + " within 30 s (ACPI hot-unplug needs the "
                            + "guest's cooperation); it stays attached");
                }
                sleep();
            }
            // the device leaves /machine/peripheral when unparented, but its BlockBackend lets the node go only
            // when the device is finalized, which QEMU may do a little later ("Node ... is in use" until then)
            long released = System.nanoTime() + RELEASE_WAIT_NANOS;
            while (true) {
                try {
                    deleteNode(q, id);
                    break;
                } catch (IOException e) {
                    if (!String.valueOf(e.getMessage()).contains("is in use") || System.nanoTime() > released) {
                        throw e;
                    }
                    sleep();
                }
            }
            // then the backing chain block-attach added below it, top down: a format node, then its file
            // node, each free once the node above is gone
            for (int i = 1; i <= backingImages(r, vdev); i++) {
                deleteNode(q, id + "-b" + i);
                deleteNode(q, id + "-b" + i + "f");
            }
        }
        r = withoutDisk(r, vdev);
        store.write(r);
        return r;
    }

    /** Whether the device {@code id} is still there (a device_del completes when the guest lets it go). */
    static boolean present(QmpFdSession q, String id) throws IOException {
        ObjectNode list = QmpFdSession.command("qom-list");
        list.putObject("arguments").put("path", "/machine/peripheral");
        for (JsonNode p : q.execute(list, -1)) {
            if (id.equals(p.path("name").asText())) {
                return true;
            }
        }
        return false;
    }

    private static void sleep() throws IOException {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    /** The number of backing images planned with an attached disk: its images but the top (a chain has no loop). */
    static int backingImages(DomainRecord r, String vdev) {
        java.util.Set<String> images = new java.util.HashSet<>();
        for (JsonNode f : fds(r.plan())) {
            if ((ATTACHED + vdev).equals(f.path("medium").asText())) {
                images.add(f.path("identity").asText());
            }
        }
        return Math.max(0, images.size() - 1);
    }

    private static SafeFile.Opened open(String path, String identity, int flags) throws IOException {
        SafeFile.Opened o = SafeFile.open(path, flags, 0);
        if (!o.ok()) {
            throw new IOException("cannot open " + path + ": " + Sys.strerror(o.errno()));
        }
        SafeFile.Stat st = SafeFile.fstat(o.fd());
        if (st == null || !st.identity().equals(identity) || !SafeFile.clearNonBlock(o.fd())) {
            SafeFile.close(o.fd());
            throw new IOException(path + " changed while it was being checked");
        }
        return o;
    }

    static ArrayNode fds(JsonNode plan) {
        for (JsonNode l : plan.path("layers")) {
            if (FdEnvLayer.NAME.equals(l.path("layer").asText())) {
                return (ArrayNode) l.path("settings").path("fds");
            }
        }
        throw new IllegalStateException("the stored plan has no " + FdEnvLayer.NAME + " layer");
    }

    private static DomainRecord withDisk(DomainRecord r, ResolvedDisk disk) {
        ObjectNode plan = r.plan().deepCopy();
        ArrayNode fds = fds(plan);
        for (boolean write : disk.writable() ? new boolean[] {false, true} : new boolean[] {false}) {
            fds.addObject().put("target", -1).put("kind", "DISK").put("path", disk.hostPath()).put("write", write)
                    .put("append", false).put("identity", disk.identity()).put("medium", ATTACHED + disk.vdev());
        }
        for (BackingImage b : disk.backing()) {
            fds.addObject().put("target", -1).put("kind", "DISK").put("path", b.hostPath()).put("write", false)
                    .put("append", false).put("identity", b.identity()).put("medium", ATTACHED + disk.vdev());
        }
        return r.withPlan(plan);
    }

    private static DomainRecord withoutDisk(DomainRecord r, String vdev) {
        ObjectNode plan = r.plan().deepCopy();
        ArrayNode fds = fds(plan);
        for (int i = fds.size() - 1; i >= 0; i--) {
            if ((ATTACHED + vdev).equals(fds.get(i).path("medium").asText())) {
                fds.remove(i);
            }
        }
        return r.withPlan(plan);
    }
}
