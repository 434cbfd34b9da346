package dev.dmjail.toolstack.plan;

import dev.dmjail.toolstack.sys.SafeFile;
import dev.dmjail.toolstack.sys.Sys;
import dev.dmjail.toolstack.layer.PlanException;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Resolves the backing chain below a qcow2 disk on the privileged side, so QEMU never follows a
 * name a tenant wrote into an image. Each name is resolved as QEMU's path_combine() does (an absolute
 * name as it is, a relative one against the directory of the image that names it), then admitted and
 * opened exactly as a top image is ({@link DiskResolver}: no symlink on the way, the opened fd judged by
 * {@link DiskAdmission}, read-only); its header is read from that fd, whose identity the launcher checks
 * again. The format of every backing image must be recorded in the image above it: QEMU would otherwise
 * probe it, and a raw image whose content the guest wrote could then pass for a qcow2 naming any file
 * (the format-confusion attack QEMU's own "backing format must be specified" rule closes).
 */
final class BackingChain {

    /** Backing images below a top image at most (QEMU sets no bound; a deeper chain is refused). */
    static final int MAX_DEPTH = 16;
    /** The backing formats dmjail can follow: a qcow2 header it reads, and raw, which names nothing. */
    private static final Set<String> FORMATS = Set.of("raw", "qcow2");

    private final DiskAdmission admission;

    BackingChain(DiskAdmission admission) {
        this.admission = admission;
    }

    /**
     * The chain below {@code top} (the header of the image at canonical path {@code real}, identity
     * {@code topIdentity}), nearest image first; empty when it has no backing file.
     */
    List<BackingImage> resolve(String vdev, String target, Path real, String topIdentity, Qcow2Header top)
            throws PlanException {
        List<BackingImage> chain = new ArrayList<>();
        Set<String> seen = new HashSet<>(Set.of(topIdentity));
        Qcow2Header h = top;
        Path above = real;
        while (h != null && h.hasBacking()) {
            String name = h.backingName();
            String at = vdev + ": " + (chain.isEmpty() ? target : chain.get(chain.size() - 1).hostPath())
                    + " names backing file '" + name + "'";
            if (chain.size() == MAX_DEPTH) {
                throw new PlanException("disk", vdev + ": " + target + " has a backing chain deeper than "
                        + MAX_DEPTH + " images; flatten it (qemu-img convert) first");
            }
            if (h.backingFormat() == null) {
                throw new PlanException("disk", at + " without recording its format, and a probed format is not "
                        + "trusted (a raw image could pass for qcow2): record it with "
                        + "qemu-img rebase -u -F FORMAT -b NAME IMAGE");
            }
            if (!FORMATS.contains(h.backingFormat())) {
                throw new PlanException("disk", at + " of format '" + h.backingFormat()
                        + "'; only raw and qcow2 backing images are supported");
            }
            if (hasProtocol(name)) {
                throw new PlanException("disk", at + ", which QEMU would read as a protocol (nbd:, json: ...); "
                        + "a backing image must be a file");
            }
            Path next;
            try {
                next = above.getParent().resolve(name).toRealPath();
            } catch (IOException | InvalidPathException e) {
                throw new PlanException("disk", at + ", which is not accessible (" + describe(e) + ")");
            }
            SafeFile.Stat st = DiskResolver.statNoFollow(next, Sys.O_PATH, vdev, name);
            String why = admission.refusal(next, st, false);
            if (why != null) {
                throw new PlanException("disk", at + ", which " + why);
            }
            if (!seen.add(st.identity())) {
                throw new PlanException("disk", at + ", which is " + next + ", already in the chain above it: "
                        + "a backing loop");
            }
            h = h.backingFormat().equals("qcow2") ? header(next, st, vdev, at) : null;
            chain.add(new BackingImage(name, next.toString(), h == null ? "raw" : "qcow2", st.identity()));
            above = next;
        }
        return chain;
    }

    /** The qcow2 header of the admitted image at {@code p}, read from a read-only fd of the same identity. */
    private static Qcow2Header header(Path p, SafeFile.Stat st, String vdev, String at) throws PlanException {
        SafeFile.Opened o = DiskResolver.openNoFollow(p, Sys.O_RDONLY, vdev, p.toString());
        try {
            SafeFile.Stat again = SafeFile.fstat(o.fd());
            if (again == null || !again.identity().equals(st.identity())) {
                throw new PlanException("disk", at + ", which changed while it was being checked");
            }
            Qcow2Header h = Qcow2Header.read(o.fd());
            if (h == null) {
                throw new PlanException("disk", at + " of format qcow2, and " + p + " is not a qcow2 image");
            }
            return h;
        } catch (Qcow2Header.Malformed e) {
            throw new PlanException("disk", at + ", and " + p + " " + e.getMessage());
        } finally {
            SafeFile.close(o.fd());
        }
    }

    /** QEMU's path_has_protocol(): a ':' before the first '/' makes the name a protocol, not a file. */
    static boolean hasProtocol(String name) {
        int colon = name.indexOf(':');
        int slash = name.indexOf('/');
        return colon >= 0 && (slash < 0 || colon < slash);
    }

    private static String describe(Exception e) {
        return e instanceof java.nio.file.NoSuchFileException ? "no such file"
                : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
