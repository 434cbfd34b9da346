package dev.dmjail.toolstack.plan;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * device_model_args that would override what the plan decides are refused, with the reason: they
 * come after the plan's options, and for most of QEMU's options the last one wins (measured on QEMU
 * 7.2: {@code -m 64 --m 96} gives 96 MiB, a second {@code -name} replaces the first, {@code -machine
 * accel=tcg -machine accel=kvm} runs KVM), so a passthrough {@code -m} would leave the cgroup's memory
 * limit, the audit and the plan describing another device model than the one running. QEMU reads
 * {@code --opt} as {@code -opt} (softmmu/vl.c lookup_opt), so both spellings are checked. An element is
 * checked wherever it stands, also where QEMU would read it as the previous option's value: a refusal
 * too many is one line to fix, one too few an unconfined device model.
 */
final class PassthroughOptions {
    private PassthroughOptions() {}

    private static final String LAUNCHER = "the launcher confines the device model (uid, root, namespaces) before exec; "
            + "QEMU must not do it itself (its -sandbox is installed before it drops privileges) nor fork away from "
            + "the pid the toolstack tracks";

    /** Option (without its dash) → what decides it instead. */
    static final Map<String, String> OWNED = owned();

    private static Map<String, String> owned() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String o : List.of("m", "smp")) {
            m.put(o, "the plan sets memory and vcpus from memory=, maxmem=, vcpus= and maxvcpus= (the cgroup's limits follow them)");
        }
        for (String o : List.of("accel", "enable-kvm")) {
            m.put(o, "the plan chooses the accelerator (the host's accel, and /dev/kvm in the device model's root and cgroup)");
        }
        for (String o : List.of("action", "no-shutdown", "no-reboot")) {
            m.put(o, "the plan maps on_poweroff, on_reboot and on_crash to QEMU's -action");
        }
        m.put("sandbox", "the seccomp layer decides QEMU's -sandbox (dmjail_seccomp, the host's seccomp_sandbox)");
        for (String o : List.of("runas", "chroot", "run-with", "daemonize", "pidfile")) {
            m.put(o, LAUNCHER);
        }
        for (String o : List.of("name", "uuid")) {
            m.put(o, "the plan names the device model from name= and uuid=");
        }
        for (String o : List.of("qmp", "qmp-pretty", "monitor", "mon")) {
            m.put(o, "the plan owns the device model's monitor: one QMP socket, root-only, outside its root");
        }
        m.put("serial", "the plan owns the serial ports (serial=)");
        for (String o : List.of("display", "vnc", "nographic", "spice", "sdl", "curses")) {
            m.put(o, "the plan owns the display (vnc= and the VNC listener it hands over)");
        }
        for (String o : List.of("incoming", "S")) {
            m.put(o, "restore and migrate decide an incoming state and a paused start");
        }
        m.put("boot", "the plan sets the boot order from boot=");
        for (String o : List.of("kernel", "initrd", "append")) {
            m.put(o, "direct kernel boot is kernel=, ramdisk= and cmdline= (the launcher binds the files into the root)");
        }
        m.put("add-fd", "the plan numbers the device model's fds");
        for (String o : List.of("set", "readconfig")) {
            m.put(o, "it would change or add options outside the plan");
        }
        for (String o : List.of("xen-domid", "xen-attach", "xen-domid-restrict")) {
            m.put(o, "the plan sets Xen's options");
        }
        return Map.copyOf(m);
    }

    /**
     * The first reason {@code args} override the plan, or null.
     *
     * @param planChardevs the chardev ids the plan's argv defines (a passthrough one of the same id is refused by
     *                     QEMU at start-up, "Duplicate ID"; refused here with the reason instead)
     */
    static String override(List<String> args, Set<String> planChardevs) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.length() < 2 || a.charAt(0) != '-') {
                continue;
            }
            String opt = a.startsWith("--") ? a.substring(2) : a.substring(1);
            String value = i + 1 < args.size() ? args.get(i + 1) : "";
            if (OWNED.containsKey(opt)) {
                return "'" + a + "' is refused: " + OWNED.get(opt);
            }
            if ((opt.equals("machine") || opt.equals("M")) && setsTypeOrAccel(value)) {
                return "'" + a + " " + value + "' is refused: the plan chooses the machine type and the accelerator";
            }
            if (opt.equals("chardev")) {
                String id = property(value, "id");
                if (id != null && planChardevs.contains(id)) {
                    return "'" + a + " " + value + "' is refused: chardev id '" + id + "' is the plan's";
                }
            }
        }
        return null;
    }

    /** QEMU's option syntax: "type" as the implied first item, or type= / accel= ("," escaped as ",,"). */
    private static boolean setsTypeOrAccel(String value) {
        List<String> items = items(value);
        return !items.isEmpty() && !items.get(0).contains("=")
                || items.stream().anyMatch(s -> s.startsWith("type=") || s.startsWith("accel="));
    }

    private static String property(String value, String key) {
        return items(value).stream().filter(s -> s.startsWith(key + "=")).map(s -> s.substring(key.length() + 1))
                .reduce((a, b) -> b).orElse(null);
    }

    private static List<String> items(String value) {
        return List.of(value.replace(",,", "\u0000").split(",")).stream().map(s -> s.replace('\u0000', ','))
                .filter(s -> !s.isEmpty()).toList();
    }
}
