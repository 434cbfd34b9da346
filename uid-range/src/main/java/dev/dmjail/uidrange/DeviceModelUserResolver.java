package dev.dmjail.uidrange;

import static dev.dmjail.uidrange.DeviceModelUsers.HOST_INSTALL_COMMAND;
import static dev.dmjail.uidrange.DeviceModelUsers.MAX_DOMID;
import static dev.dmjail.uidrange.DeviceModelUsers.MIN_DOMID;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.dmjail.uidrange.ResolvedUser.Source;
import dev.dmjail.uidrange.UserResolutionException.Reason;

/**
 * Chooses the user a QEMU device model runs as, following libxl's
 * {@code libxl__domain_get_device_model_uid} (tools/libs/light/libxl_dm.c, Xen 4.17) in the same order:
 * explicit device_model_user, then (dm_restrict only) range base + domid, then the shared user, then
 * failure. Differences from libxl are deliberate and documented in uid-range/README.md: per-domain gid,
 * an opt-in root fallback, and dry runs with an unknown domid.
 */
public final class DeviceModelUserResolver {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceModelUserResolver.class);
    /** (uid_t) -1 is "no change" to setresuid(2), so base + domid must stay below it. */
    private static final long MAX_VALID_ID = 0xFFFF_FFFEL;

    private final UserDatabase users;
    private final boolean allowRootFallback;

    /**
     * @param allowRootFallback host policy: with dm_restrict=1 and nothing provisioned, run as root
     *                          (reported as DAC not in force) instead of refusing
     */
    public DeviceModelUserResolver(UserDatabase users, boolean allowRootFallback) {
        this(users, allowRootFallback, DeviceModelUsers.RANGE_BASE_USER, DeviceModelUsers.SHARED_USER);
    }

    /**
     * With the user names of the host config (range_base_user, shared_user); libxl's names are the
     * defaults, and a host that provisioned the range under other names can say so.
     */
    public DeviceModelUserResolver(UserDatabase users, boolean allowRootFallback, String rangeBaseUser, String sharedUser) {
        this.users = users;
        this.allowRootFallback = allowRootFallback;
        this.rangeBaseUser = rangeBaseUser;
        this.sharedUser = sharedUser;
    }

    private final String rangeBaseUser;
    private final String sharedUser;

    /**
     * @param domid           the guest's domid, or null for a dry run before the domain exists
     * @param dmRestrict      the domain's dm_restrict setting
     * @param deviceModelUser the domain's device_model_user, or null when unset
     */
    public ResolvedUser resolve(Integer domid, boolean dmRestrict, String deviceModelUser)
            throws UserResolutionException {
        checkDomid(domid);
        // libxl: "If device_model_user is present, set -runas even if dm_restrict isn't in use".
        if (deviceModelUser != null) {
            return explicitUser(deviceModelUser, dmRestrict);
        }
        // libxl: no dm_restrict and no user -> no -runas, QEMU stays root (legacy behaviour).
        if (!dmRestrict) {
            LOG.debug("dm_restrict disabled, starting QEMU as root");
            return root(List.of());
        }
        Optional<PasswdEntry> base = users.byName(rangeBaseUser);
        if (base.isPresent()) {
            return rangeUser(base.get(), domid);
        }
        Optional<PasswdEntry> shared = users.byName(sharedUser);
        if (shared.isPresent()) {
            return sharedUser(shared.get());
        }
        return nothingProvisioned();
    }

    private static void checkDomid(Integer domid) throws UserResolutionException {
        if (domid != null && (domid < MIN_DOMID || domid > MAX_DOMID)) {
            throw new UserResolutionException(Reason.DOMID_OUT_OF_RANGE, "domid " + domid
                    + " is outside " + MIN_DOMID + ".." + MAX_DOMID + ", the domids a device model can serve");
        }
    }

    private ResolvedUser explicitUser(String name, boolean dmRestrict) throws UserResolutionException {
        PasswdEntry pw = users.byName(name).orElseThrow(() -> new UserResolutionException(Reason.UNKNOWN_USER,
                "device_model_user \"" + name + "\" does not exist (getpwnam found no such user)"));
        // libxl's final check ("intended_uid is 0 (root)!") applies to any explicitly named user.
        if (pw.uid() == 0) {
            throw new UserResolutionException(Reason.ROOT_REFUSED, "device_model_user \"" + name
                    + "\" has uid 0 (root); a device model may not run as root via device_model_user"
                    + (dmRestrict ? " with dm_restrict=1" : "") + "; unset it to get the default");
        }
        List<String> warnings = new ArrayList<>();
        if (pw.gid() == 0) {
            warnings.add("device_model_user \"" + name + "\" has primary gid 0 (root group)");
        }
        // libxl sets kill_by_uid for an explicit user too, trusting that it is not shared. The config
        // may be a tenant's: killing every process of "www-data" on destroy would kill strangers. So
        // kill by uid only for a uid of the device-model range (base+1 .. base+MAX_DOMID), which no
        // one else may own; any other explicit user is stopped through the domain's cgroup alone.
        Optional<PasswdEntry> base = users.byName(rangeBaseUser);
        if (base.isPresent() && pw.uid() == base.get().uid()) {
            throw new UserResolutionException(Reason.ROOT_REFUSED, "device_model_user \"" + name
                    + "\" is the range base user, whose uid reaps device models; it cannot run one");
        }
        long u = Integer.toUnsignedLong(pw.uid());
        boolean inRange = base.isPresent() && u > Integer.toUnsignedLong(base.get().uid())
                && u <= Integer.toUnsignedLong(base.get().uid()) + DeviceModelUsers.MAX_DOMID;
        if (!inRange) {
            warnings.add("device_model_user \"" + name + "\" (uid " + u + ") is not a uid of the device-model range: "
                    + "destroy stops its processes through the domain's cgroup only, never by uid");
        }
        return new ResolvedUser(pw.uid(), pw.gid(), pw.name(), Source.EXPLICIT, inRange, true, null, null,
                warn(warnings));
    }

    private ResolvedUser rangeUser(PasswdEntry base, Integer domid) throws UserResolutionException {
        long baseUid = Integer.toUnsignedLong(base.uid());
        long baseGid = Integer.toUnsignedLong(base.gid());
        if (baseUid == 0 || baseUid + MAX_DOMID > MAX_VALID_ID) {
            throw new UserResolutionException(Reason.BAD_RANGE, rangeBaseUser + " has uid " + baseUid
                    + ", which cannot be a range base (needs 1.." + (MAX_VALID_ID - MAX_DOMID) + ")");
        }
        // Per-domain gid needs the gids [base, base+32752) reserved like the uids; the installer makes
        // the base group's gid equal to the base uid. Otherwise fall back to libxl's shared base gid.
        boolean perDomainGid = baseGid == baseUid;
        List<String> warnings = new ArrayList<>();
        if (!perDomainGid) {
            warnings.add(rangeBaseUser + " has gid " + baseGid + " != uid " + baseUid
                    + ": every device model shares gid " + baseGid + " (libxl behaviour); run `"
                    + HOST_INSTALL_COMMAND + "` for per-domain gids");
        }
        if (domid == null) {
            return new ResolvedUser(null, null, base.name(), Source.RANGE, true, true, base.uid(), base.gid(),
                    warn(warnings));
        }
        int uid = (int) (baseUid + domid);
        Optional<PasswdEntry> clash = users.byUid(uid);
        if (clash.isPresent()) {
            // libxl: "wanted to use uid %ld (%s + %d) but that is user %s !"
            throw new UserResolutionException(Reason.CLASH, "wanted to use uid " + Integer.toUnsignedString(uid)
                    + " (" + rangeBaseUser + " + " + domid + ") but that is user " + clash.get().name());
        }
        int gid = perDomainGid ? (int) (baseGid + domid) : base.gid();
        if (perDomainGid) {
            Optional<GroupEntry> groupClash = users.groupByGid(gid);
            if (groupClash.isPresent()) {
                throw new UserResolutionException(Reason.CLASH, "wanted to use gid "
                        + Integer.toUnsignedString(gid) + " (" + rangeBaseUser + " gid + " + domid
                        + ") but that is group " + groupClash.get().name());
            }
        }
        LOG.debug("domid {}: using uid {} gid {}", domid, uid, gid);
        return new ResolvedUser(uid, gid, base.name(), Source.RANGE, true, true, base.uid(), base.gid(),
                warn(warnings));
    }

    private ResolvedUser sharedUser(PasswdEntry shared) throws UserResolutionException {
        if (shared.uid() == 0) {
            throw new UserResolutionException(Reason.ROOT_REFUSED, sharedUser + " has uid 0 (root)");
        }
        // libxl: all QEMUs share this uid, so destroy cannot kill by uid.
        String w = "Could not find user " + rangeBaseUser + ", falling back to " + sharedUser
                + " (all device models share uid " + Integer.toUnsignedString(shared.uid())
                + ", no kill-by-uid); run `" + HOST_INSTALL_COMMAND + "` to provision the range";
        return new ResolvedUser(shared.uid(), shared.gid(), shared.name(), Source.SHARED, false, true, null, null,
                warn(List.of(w)));
    }

    private ResolvedUser nothingProvisioned() throws UserResolutionException {
        if (allowRootFallback) {
            return root(List.of("dm_restrict=1 but neither " + rangeBaseUser + " nor " + sharedUser
                    + " exists; host policy allows root fallback: device model runs as root, DAC is NOT in force;"
                    + " run `" + HOST_INSTALL_COMMAND + "`"));
        }
        throw new UserResolutionException(Reason.NOT_PROVISIONED, "dm_restrict=1 but neither user " + sharedUser
                + " nor range base pseudo-user " + rangeBaseUser + " exists, cannot restrict the device model;"
                + " run `" + HOST_INSTALL_COMMAND + "` to provision the uid range");
    }

    private static ResolvedUser root(List<String> warnings) {
        return new ResolvedUser(0, 0, "root", Source.ROOT, false, false, null, null, warn(warnings));
    }

    private static List<String> warn(List<String> warnings) {
        warnings.forEach(w -> LOG.warn("{}", w));
        return warnings;
    }
}
