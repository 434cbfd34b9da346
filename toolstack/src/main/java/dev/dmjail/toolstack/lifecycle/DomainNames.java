package dev.dmjail.toolstack.lifecycle;

import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.state.StateStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Which names a domain may have: every name xl accepts (spaces, quotes, backslashes, UTF-8, control
 * characters, a leading '-', all digits, the empty name), because no host path is named by it
 * ({@code state.DomainKey} names them); refused are only what xl refuses and what cannot be made safe.
 */
public final class DomainNames {
    private DomainNames() {}

    /** The name of the host's own domain, domid 0, which libxl always finds taken. */
    public static final String DOMAIN_0 = "Domain-0";

    /**
     * The most bytes a name may have: libxl writes it to xenstore as {@code /local/domain/N/name} and
     * {@code /vm/UUID/name}, and one xenstore message carries at most XENSTORE_PAYLOAD_MAX (4096, xs_wire.h)
     * bytes of path, NUL and value: the longer path (45 characters and its NUL) leaves 4050, so xl's
     * create fails on a longer name (its dry run, which writes nothing, prints it).
     */
    public static final int MAX_BYTES = 4096 - "/vm/00000000-0000-0000-0000-000000000000/name".length() - 1;

    /** Why {@code name} cannot be a domain's name at all (the dry run refuses it too), or empty when it can. */
    public static Optional<String> unusable(String name) {
        if (name.indexOf('\0') >= 0) {
            return Optional.of("a name with a NUL byte cannot be passed on (QEMU's argv and libxl's strings end at "
                    + "NUL: xl would cut the name there)");
        }
        return Optional.empty();
    }

    /** Why a domain cannot be created (or renamed) with {@code name} although xl's dry run prints it, or empty. */
    public static Optional<String> uncreatable(String name) {
        Optional<String> u = unusable(name);
        if (u.isPresent()) {
            return u;
        }
        int n = name.getBytes(StandardCharsets.UTF_8).length;
        if (n > MAX_BYTES) {
            return Optional.of("a name of " + n + " bytes is longer than the " + MAX_BYTES + " xl can create "
                    + "(libxl writes it to xenstore, whose messages hold 4096 bytes with the path)");
        }
        return Optional.empty();
    }

    /**
     * Why a domain other than {@code self} (null: a new domain) cannot take {@code name}, by libxl's
     * rule (libxl__domain_rename): a non-empty name is unique on the host, and Domain-0 is held by
     * the host. The empty name is exempt, as in libxl; such a domain is reached by its domid only
     * (an empty argument is domid 0 to xl, see {@link StateStore#find}). Call under the host lock.
     */
    public static Optional<String> taken(StateStore store, String name, DomainRecord self) throws IOException {
        if (name.isEmpty()) {
            return Optional.empty();
        }
        if (name.equals(DOMAIN_0)) {
            return Optional.of("domain " + DOMAIN_0 + " already exists (domid 0, the host's own domain to xl)");
        }
        Optional<DomainRecord> other = store.byName(name);
        if (other.isPresent() && (self == null || !other.get().key().equals(self.key()))) {
            return Optional.of("domain " + name + " already exists (domid " + other.get().domid()
                    + ", state " + other.get().state() + ")");
        }
        return Optional.empty();
    }

    /** For create: refuses a name another domain holds. */
    static void requireFree(StateStore store, String name) throws CreateFailure, IOException {
        Optional<String> t = taken(store, name, null);
        if (t.isPresent()) {
            throw new CreateFailure(t.get() + "; destroy it first");
        }
    }
}
