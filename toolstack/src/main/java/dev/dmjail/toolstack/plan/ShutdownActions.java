package dev.dmjail.toolstack.plan;

import dev.dmjail.config.DomainConfig;
import dev.dmjail.config.ShutdownAction;
import java.util.EnumSet;
import java.util.Set;

/**
 * xl's {@code on_poweroff}, {@code on_reboot} and {@code on_crash}, carried out by QEMU's own
 * {@code -action} (QEMU 6.0+, qapi/run-state.json set-action) wherever QEMU can, and by the host's
 * one watcher ({@code dmjail watch}, lifecycle/DomainWatcher) where it cannot — nothing per domain.
 *
 * <ul>
 * <li>{@code shutdown=poweroff}: the device model exits when the guest powers off (destroy; the next
 *     dmjail command or the watcher cleans up, lifecycle/GoneDomains); {@code shutdown=pause}: it stays,
 *     run state "shutdown" (preserve: xl list "s"; restart / coredump-*: the watcher acts on it).</li>
 * <li>{@code reboot=reset} (restart); {@code reboot=shutdown}: a reboot becomes a shutdown, which then
 *     follows the shutdown action — so on_reboot=destroy needs on_poweroff=destroy and on_reboot=preserve
 *     needs on_poweroff=preserve (the run state does not say which of the two stopped the guest).</li>
 * <li>{@code panic=shutdown} (destroy, when on_poweroff is destroy too) or {@code panic=pause}: run state
 *     "guest-panicked" (preserve: xl list "c"; restart / coredump-* / destroy with a pausing on_poweroff:
 *     the watcher acts on it). The guest reports its panics through the pvpanic device.</li>
 * </ul>
 * rename-restart after a poweroff or a crash: the watcher keeps the stopped domain under libxl's new name
 * ({@code NAME-YYYYmmddTHHMMZ}) and creates the domain again from the config it was created with.
 * soft-reset (Xen's kexec handover) is refused.
 */
public final class ShutdownActions {

    private ShutdownActions() {}

    /** Why a soft reset cannot be carried out (on_* = "soft-reset", and the on_soft_reset key). */
    static final String SOFT_RESET_WHY = "Xen's kexec handover of a domain, which a QEMU-run guest does not have";

    /** A refused key and why. */
    public record Refusal(String key, String reason) {}

    /** What the watcher must do when QEMU stops the guest (null: nothing, QEMU did it or it is kept). */
    public record WatcherActions(ShutdownAction onShutdown, ShutdownAction onPanic) {
        public boolean any() {
            return onShutdown != null || onPanic != null;
        }
    }

    /** The actions the watcher carries out (QEMU keeps the stopped guest for it). */
    static final Set<ShutdownAction> BY_WATCHER = EnumSet.of(ShutdownAction.RESTART, ShutdownAction.RESTART_RENAME,
            ShutdownAction.COREDUMP_DESTROY, ShutdownAction.COREDUMP_RESTART);

    /** xl's defaults when a key is absent (xl.cfg(5)). */
    static ShutdownAction poweroff(DomainConfig d) {
        return d.onPoweroff() == null ? ShutdownAction.DESTROY : d.onPoweroff();
    }

    static ShutdownAction reboot(DomainConfig d) {
        return d.onReboot() == null ? ShutdownAction.RESTART : d.onReboot();
    }

    static ShutdownAction crash(DomainConfig d) {
        return d.onCrash() == null ? ShutdownAction.DESTROY : d.onCrash();
    }

    /** Whether the device model stays (run state "shutdown") when the guest powers off. */
    private static boolean pausesOnShutdown(DomainConfig d) {
        return poweroff(d) != ShutdownAction.DESTROY;
    }

    /** What the watcher must carry out for this domain. */
    public static WatcherActions watcherActions(DomainConfig d) {
        ShutdownAction p = poweroff(d), c = crash(d);
        ShutdownAction onShutdown = BY_WATCHER.contains(p) ? p : null;
        ShutdownAction onPanic = BY_WATCHER.contains(c) ? c
                : c == ShutdownAction.DESTROY && pausesOnShutdown(d) ? ShutdownAction.DESTROY : null;
        return new WatcherActions(onShutdown, onPanic);
    }

    /** The first combination that cannot be carried out, or null. */
    static Refusal refusal(DomainConfig d) {
        ShutdownAction p = poweroff(d), r = reboot(d), c = crash(d);
        for (Object[] k : new Object[][] {{"on_poweroff", p}, {"on_reboot", r}, {"on_crash", c}}) {
            ShutdownAction a = (ShutdownAction) k[1];
            if (a == ShutdownAction.SOFT_RESET) {
                return new Refusal((String) k[0], k[0] + " = \"" + a.xl() + "\" is not honoured: soft-reset is "
                        + SOFT_RESET_WHY + "; destroy, restart, rename-restart, preserve, coredump-destroy and "
                        + "coredump-restart are honoured");
            }
        }
        if (r != ShutdownAction.RESTART && r != ShutdownAction.DESTROY && r != ShutdownAction.PRESERVE) {
            return new Refusal("on_reboot", "on_reboot = \"" + r.xl() + "\" is not honoured: QEMU reports a refused "
                    + "reboot as a plain shutdown, so only restart, destroy and preserve can be carried out");
        }
        if (r != ShutdownAction.RESTART && r != p) {
            return new Refusal("on_reboot", "on_reboot = \"" + r.xl() + "\" with on_poweroff = \"" + p.xl() + "\" cannot "
                    + "be honoured: QEMU turns a reboot it must not do into a shutdown, which then follows on_poweroff "
                    + "(set both to the same action)");
        }
        return null;
    }

    /** Whether carrying out this domain's actions needs the host's watcher (dmjail watch). */
    public static boolean needsWatcher(DomainConfig d) {
        return watcherActions(d).any();
    }

    /** The value of QEMU's {@code -action} for an accepted combination. */
    static String qemuAction(DomainConfig d) {
        boolean panicByQemu = crash(d) == ShutdownAction.DESTROY && !pausesOnShutdown(d);
        return "shutdown=" + (pausesOnShutdown(d) ? "pause" : "poweroff")
                + ",reboot=" + (reboot(d) == ShutdownAction.RESTART ? "reset" : "shutdown")
                + ",panic=" + (panicByQemu ? "shutdown" : "pause");
    }
}
