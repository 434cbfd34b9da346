package dev.dmjail.toolstack.lifecycle;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.state.StateStore;
import java.io.IOException;
import java.util.Optional;

/**
 * {@code xl rename} (libxl__domain_rename): a domain, running or not, takes a new name that no other
 * domain holds. Only the name in its state record changes: the state dir, cgroups, logs and every
 * other host object are named by the domain's key, which stays (as xl keeps writing
 * qemu-dm-OLDNAME.log), so the rename is one atomic write of the record, under the host lock: a
 * toolstack killed at any moment leaves the domain under its old name or its new one, whole. The
 * device model is not told (QEMU's {@code -name} stays, as with libxl).
 */
public final class DomainRename {
    private DomainRename() {}

    /**
     * Renames the domain {@code oldNameOrId} (a name, or a domid by xl's rule) to {@code newName}.
     *
     * @return the record as written
     * @throws DmjailException NOT_FOUND when there is no such domain; FAILED (xl's exit 1) when
     *                         {@code newName} is another domain's or cannot be a name
     */
    public static DomainRecord rename(StateStore store, String oldNameOrId, String newName)
            throws DmjailException, IOException {
        return store.<DomainRecord, DmjailException>locked(() -> {
            DomainRecord r = store.find(oldNameOrId).orElseThrow(() -> new DmjailException(ExitCodes.NOT_FOUND,
                    "rename: no domain " + oldNameOrId));
            Optional<String> why = DomainNames.uncreatable(newName);
            if (why.isEmpty()) {
                why = DomainNames.taken(store, newName, r);
            }
            if (why.isPresent()) {
                throw new DmjailException(ExitCodes.FAILED, "rename: can't rename domain " + r.name() + ": " + why.get());
            }
            if (r.name().equals(newName)) {
                return r; // libxl: the domain already has this name, fine
            }
            DomainRecord renamed = r.withName(newName);
            store.write(renamed);
            FaultPoint.hit(FaultPoint.RENAME_WRITTEN);
            return renamed;
        });
    }
}
