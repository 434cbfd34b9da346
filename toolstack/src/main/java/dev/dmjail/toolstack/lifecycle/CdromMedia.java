package dev.dmjail.toolstack.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.toolstack.sys.SafeFile;
import dev.dmjail.toolstack.sys.Sys;
import dev.dmjail.toolstack.layer.FdEnvLayer;
import dev.dmjail.toolstack.plan.ResolvedDisk;
import dev.dmjail.toolstack.qmp.QmpFdSession;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.state.StateStore;
import java.io.IOException;
import java.util.Iterator;

/**
 * Changing a running domain's cdrom under restriction (xl cd-insert / cd-eject). QEMU cannot open the
 * new image (it has no path to it), so the privileged side opens it — the same admission and identity
 * check as a disk at create — and hands it over: QMP {@code add-fd} with the fd as SCM_RIGHTS, then
 * {@code blockdev-change-medium} on {@code /dev/fdset/N} (QEMU dups the fd: util/osdep.c qemu_open), then
 * {@code remove-fd}, so the set holds no fd of its own and the medium's last fd closes when it is
 * ejected. The stored plan follows: the medium's fd is planned (fds-env, by identity) before QEMU gets it,
 * and unplanned once ejected, so the audit still proves nothing else is open.
 */
public final class CdromMedia {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Marks the fds-env entries cd-insert added (the path of such an entry is the medium's). */
    static final String INSERTED = "inserted:";

    private CdromMedia() {}

    /** Whether {@code vdev} is an emulated cdrom of the domain (its stored argv has an ide-cd for it). */
    public static boolean isCdrom(DomainRecord r, String vdev) {
        for (JsonNode a : r.plan().path("argv")) {
            if (a.asText().startsWith("ide-cd,drive=drive-" + vdev + ",")) {
                return true;
            }
        }
        return false;
    }

    /** Inserts {@code medium} (resolved by the planner) into the domain's cdrom {@code vdev}. Call under the host lock. */
    public static DomainRecord insert(StateStore store, DomainRecord r, String vdev, ResolvedDisk medium, long timeoutMillis)
            throws IOException {
        DomainPaths paths = store.paths(r);
        SafeFile.Opened o = SafeFile.open(medium.hostPath(), Sys.O_RDONLY, 0);
        if (!o.ok()) {
            throw new IOException("cannot open " + medium.hostPath() + ": " + Sys.strerror(o.errno()));
        }
        try {
            SafeFile.Stat st = SafeFile.fstat(o.fd());
            if (st == null || !st.identity().equals(medium.identity()) || !SafeFile.clearNonBlock(o.fd())) {
                throw new IOException(medium.hostPath() + " changed while it was being checked");
            }
            try (QmpFdSession q = QmpFdSession.connect(paths.qmpSocket(), System.nanoTime() + timeoutMillis * 1_000_000L)) {
                ObjectNode add = QmpFdSession.command("add-fd");
                add.putObject("arguments").put("opaque", vdev + "-medium");
                JsonNode got = q.execute(add, o.fd());
                int set = got.path("fdset-id").asInt(-1);
                int fd = got.path("fd").asInt(-1);
                if (set < 0 || fd < 0) {
                    throw new IOException("QMP add-fd: no fdset in the answer");
                }
                // planned first: an audit (or a crash) from here on knows the medium
                r = withMedium(r, vdev, fd, medium);
                store.write(r);
                FaultPoint.hit("cd-insert.planned");
                try {
                    ObjectNode change = QmpFdSession.command("blockdev-change-medium");
                    change.putObject("arguments").put("device", "drive-" + vdev).put("filename", "/dev/fdset/" + set)
                            .put("format", "raw").put("read-only-mode", "read-only")
                            .put("force", true); // the admin's order, as xl's: a tray the guest locked is opened
                    q.execute(change, -1);
                } catch (IOException e) {
                    r = withoutMedia(r, vdev, medium.identity());
                    store.write(r);
                    throw e;
                } finally {
                    ObjectNode remove = QmpFdSession.command("remove-fd");
                    remove.putObject("arguments").put("fdset-id", set);
                    q.execute(remove, -1);
                }
                // the medium it replaced (if cd-insert put it there) is closed now: only the new one stays planned
                r = onlyLastMedium(r, vdev);
                store.write(r);
                return r;
            }
        } finally {
            SafeFile.close(o.fd());
        }
    }

    /** Ejects the domain's cdrom {@code vdev} (QMP eject) and unplans a medium cd-insert put there. */
    public static DomainRecord eject(StateStore store, DomainRecord r, String vdev, long timeoutMillis) throws IOException {
        DomainPaths paths = store.paths(r);
        try (QmpFdSession q = QmpFdSession.connect(paths.qmpSocket(), System.nanoTime() + timeoutMillis * 1_000_000L)) {
            ObjectNode eject = QmpFdSession.command("eject");
            eject.putObject("arguments").put("device", "drive-" + vdev).put("force", true);
            q.execute(eject, -1);
        }
        r = withoutMedia(r, vdev, null);
        store.write(r);
        return r;
    }

    private static ArrayNode fds(ObjectNode plan) {
        for (JsonNode l : plan.path("layers")) {
            if (FdEnvLayer.NAME.equals(l.path("layer").asText())) {
                return (ArrayNode) l.path("settings").path("fds");
            }
        }
        throw new IllegalStateException("the stored plan has no " + FdEnvLayer.NAME + " layer");
    }

    private static DomainRecord withMedium(DomainRecord r, String vdev, int fd, ResolvedDisk medium) {
        ObjectNode plan = r.plan().deepCopy();
        fds(plan).addObject().put("target", fd).put("kind", "DISK").put("path", medium.hostPath()).put("write", false)
                .put("append", false).put("identity", medium.identity()).put("medium", INSERTED + vdev);
        return r.withPlan(plan);
    }

    /** Drops the media cd-insert put into {@code vdev}; only the one of {@code identity} when given. */
    private static DomainRecord withoutMedia(DomainRecord r, String vdev, String identity) {
        ObjectNode plan = r.plan().deepCopy();
        for (Iterator<JsonNode> it = fds(plan).elements(); it.hasNext(); ) {
            JsonNode f = it.next();
            if ((INSERTED + vdev).equals(f.path("medium").asText()) && (identity == null || identity.equals(f.path("identity").asText()))) {
                it.remove();
            }
        }
        return r.withPlan(plan);
    }

    /** Keeps only the medium cd-insert put into {@code vdev} last (the entries are in insertion order). */
    private static DomainRecord onlyLastMedium(DomainRecord r, String vdev) {
        ObjectNode plan = r.plan().deepCopy();
        ArrayNode fds = fds(plan);
        int last = -1;
        for (int i = 0; i < fds.size(); i++) {
            if ((INSERTED + vdev).equals(fds.get(i).path("medium").asText())) {
                last = i;
            }
        }
        for (int i = fds.size() - 1; i >= 0; i--) {
            if (i != last && (INSERTED + vdev).equals(fds.get(i).path("medium").asText())) {
                fds.remove(i);
            }
        }
        return r.withPlan(plan);
    }
}
