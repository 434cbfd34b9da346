package dev.dmjail.uidrange;

import java.util.List;

/**
 * Who a device model runs as.
 *
 * @param uid          uid to switch to; null for ROOT-less dry runs of the RANGE case (domid unknown)
 * @param gid          primary (and only) gid; null as for uid
 * @param userName     passwd name behind the uid (for RANGE: the range base user's name)
 * @param source       which rule chose the user
 * @param killByUid    whether destroy may kill every process of {@code uid} (libxl's dm_kill_uid);
 *                     only safe when the uid is not shared with other device models
 * @param dacInForce   whether Unix DAC separates the device model from root (false only for ROOT)
 * @param rangeBaseUid uid of {@link DeviceModelUsers#RANGE_BASE_USER} when the range is used
 * @param rangeBaseGid gid of {@link DeviceModelUsers#RANGE_BASE_USER} when the range is used
 * @param warnings     human-readable warnings to log and show in the audit/plan
 */
public record ResolvedUser(Integer uid, Integer gid, String userName, Source source, boolean killByUid,
                           boolean dacInForce, Integer rangeBaseUid, Integer rangeBaseGid,
                           List<String> warnings) {
    public ResolvedUser {
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }

    /** Which rule of {@link DeviceModelUserResolver} produced the answer. */
    public enum Source { RANGE, SHARED, EXPLICIT, ROOT }

    /** True when the domid was unknown and uid/gid are "base + domid", to be fixed at launch. */
    public boolean isDeferred() {
        return source == Source.RANGE && uid == null;
    }

    /** Short form for plans and audits, e.g. "65537:65537 (RANGE)" or "base+domid (RANGE)". */
    public String describe() {
        String ids = isDeferred()
                ? "base+domid (" + rangeBaseUid + "+domid:" + rangeBaseGid + "+domid)"
                : uid + ":" + gid;
        return ids + " " + userName + " (" + source + (dacInForce ? "" : ", DAC NOT in force") + ")";
    }
}
