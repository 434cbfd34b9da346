package dev.dmjail.toolstack.plan;

import dev.dmjail.config.DomainConfig;
import dev.dmjail.config.ShutdownAction;

/**
 * xl's {@code on_poweroff}, {@code on_reboot} and {@code on_crash} as QEMU's own {@code -action}
 * (QEMU 6.0+, qapi/run-state.json set-action), so that nothing resident per domain has to watch the
 * guest: QEMU itself exits (the domain is then cleaned up by the next dmjail command, see
 * lifecycle/GoneDomains), resets, or keeps the stopped guest.
 *
 * <ul>
 * <li>{@code shutdown=poweroff}: the device model exits when the guest powers off (destroy);
 *     {@code shutdown=pause}: it stays, run state "shutdown" (preserve, xl list "s").</li>
 * <li>{@code reboot=reset} (restart); {@code reboot=shutdown}: a reboot becomes a shutdown, which
 *     then follows the shutdown action — so on_reboot=destroy needs on_poweroff=destroy and
 *     on_reboot=preserve needs on_poweroff=preserve; other pairs are refused.</li>
 * <li>{@code panic=shutdown} (destroy; the same coupling) or {@code panic=pause} (preserve: run state
 *     "guest-panicked", xl list "c"). The guest sees its panics through the pvpanic device.</li>
 * </ul>
 * restart after a poweroff or a crash, rename-restart, coredump-* and soft-reset need the toolstack to
 * act when the guest stops (a new device model, a guest memory dump), which nothing does yet: refused.
 */
public final class ShutdownActions {

    private ShutdownActions() {}

    /** A refused key and why. */
    public record Refusal(String key, String reason) {}

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
    public static boolean preservesPoweroff(DomainConfig d) {
        return poweroff(d) == ShutdownAction.PRESERVE;
    }

    /** The first combination QEMU cannot carry out, or null. */
    static Refusal refusal(DomainConfig d) {
        ShutdownAction p = poweroff(d), r = reboot(d), c = crash(d);
        for (Object[] k : new Object[][] {{"on_poweroff", p}, {"on_crash", c}}) {
            ShutdownAction a = (ShutdownAction) k[1];
            if (a != ShutdownAction.DESTROY && a != ShutdownAction.PRESERVE) {
                return new Refusal((String) k[0], k[0] + " = \"" + a.xl() + "\" is not honoured: it needs the toolstack "
                        + "to act when the guest stops (start a new device model, or dump the guest's memory), and dmjail "
                        + "keeps no process per domain; destroy and preserve are (QEMU's own -action)");
            }
        }
        if (r != ShutdownAction.RESTART && r != ShutdownAction.DESTROY && r != ShutdownAction.PRESERVE) {
            return new Refusal("on_reboot", "on_reboot = \"" + r.xl() + "\" is not honoured: it needs the toolstack to "
                    + "act when the guest reboots, and dmjail keeps no process per domain; restart, destroy and preserve are");
        }
        if (r != ShutdownAction.RESTART && r != p) {
            return new Refusal("on_reboot", "on_reboot = \"" + r.xl() + "\" with on_poweroff = \"" + p.xl() + "\" cannot "
                    + "be honoured: QEMU turns a reboot it must not do into a shutdown, which then follows on_poweroff "
                    + "(set both to the same action)");
        }
        if (c == ShutdownAction.DESTROY && p != ShutdownAction.DESTROY) {
            return new Refusal("on_poweroff", "on_poweroff = \"" + p.xl() + "\" with on_crash = \"destroy\" cannot be "
                    + "honoured: QEMU turns a guest panic it must end into a shutdown, which then follows on_poweroff "
                    + "(use on_crash = \"preserve\", or on_poweroff = \"destroy\")");
        }
        return null;
    }

    /** The value of QEMU's {@code -action} for an accepted combination. */
    static String qemuAction(DomainConfig d) {
        return "shutdown=" + (poweroff(d) == ShutdownAction.DESTROY ? "poweroff" : "pause")
                + ",reboot=" + (reboot(d) == ShutdownAction.RESTART ? "reset" : "shutdown")
                + ",panic=" + (crash(d) == ShutdownAction.DESTROY ? "shutdown" : "pause");
    }
}
