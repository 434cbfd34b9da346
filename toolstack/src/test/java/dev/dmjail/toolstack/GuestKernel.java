package dev.dmjail.toolstack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Linux guest made at test time from Debian's packages: the kernel of {@code linux-image-amd64}
 * and a busybox-static initramfs with an {@code /init} the test writes. Nothing is installed on the
 * host: the packages are fetched with {@code apt-get download} into the build directory and unpacked
 * there ({@code dpkg-deb -x}), once per build tree.
 */
public final class GuestKernel {

    private static final Path CACHE = Path.of("target", "guest-kernel").toAbsolutePath();

    private GuestKernel() {}

    /** Debian's current amd64 kernel image (vmlinuz), unpacked once. */
    public static synchronized Path kernel() throws IOException, InterruptedException {
        Path k = CACHE.resolve("vmlinuz");
        if (!Files.exists(k)) {
            String depends = "apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}'";
            String pkg = run(CACHE, "sh", "-c", depends).strip();
            if (pkg.isEmpty()) {
                run(CACHE, "apt-get", "update", "-qq"); // a fresh machine may have no package lists yet
                pkg = run(CACHE, "sh", "-c", depends).strip();
            }
            if (pkg.isEmpty()) {
                throw new IOException("apt-cache knows no linux-image-amd64 dependency (apt-get update?)");
            }
            String image = pkg;
            Path root = unpack(image);
            try (Stream<Path> s = Files.list(root.resolve("boot"))) {
                Path vmlinuz = s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-")).findFirst()
                        .orElseThrow(() -> new IOException(image + " holds no /boot/vmlinuz-*"));
                Files.copy(vmlinuz, k);
            }
        }
        return k;
    }

    /** busybox-static's binary, unpacked once. */
    public static synchronized Path busybox() throws IOException, InterruptedException {
        Path b = CACHE.resolve("busybox");
        if (!Files.exists(b)) {
            Files.copy(unpack("busybox-static").resolve("bin/busybox"), b);
        }
        return b;
    }

    /**
     * Writes an uncompressed newc initramfs to {@code out} (mode 0644) holding busybox at /bin/busybox,
     * /bin/sh linked to it, {@code init} as the executable /init, and the kernel modules named (with
     * the modules they depend on, as their .modinfo "depends=" says) under /lib/modules, listed in
     * load order in /lib/modules/order.
     */
    public static Path initramfs(Path out, String init, String... modules) throws IOException, InterruptedException {
        Cpio c = new Cpio();
        for (String d : List.of("bin", "dev", "proc", "sys", "tmp", "mnt", "lib", "lib/modules")) {
            c.entry(d, 040755, new byte[0]);
        }
        c.entry("dev/console", 020600, new byte[0], 5, 1);
        c.entry("bin/busybox", 0100755, Files.readAllBytes(busybox()));
        c.entry("bin/sh", 0120777, "busybox".getBytes(StandardCharsets.US_ASCII));
        c.entry("init", 0100755, init.getBytes(StandardCharsets.UTF_8));
        StringBuilder order = new StringBuilder();
        for (Path ko : modulesInLoadOrder(modules)) {
            String name = ko.getFileName().toString();
            c.entry("lib/modules/" + name, 0100644, Files.readAllBytes(ko));
            order.append(name).append('\n');
        }
        c.entry("lib/modules/order", 0100644, order.toString().getBytes(StandardCharsets.US_ASCII));
        Files.write(out, c.finish());
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-r--r--"));
        return out;
    }

    /**
     * A domain config in {@code dir} for this guest: Debian's kernel (copied there once, a+r), an initramfs
     * with {@code init} and {@code modules}, HVM, dm_restrict = 1, the serial console, and {@code lines}.
     */
    public static Path domain(TestHost host, Path dir, String name, String init, List<String> modules, String... lines)
            throws IOException, InterruptedException {
        Path kernel = dir.resolve("vmlinuz");
        if (!Files.exists(kernel)) {
            Files.copy(kernel(), kernel);
            Files.setPosixFilePermissions(kernel, PosixFilePermissions.fromString("rw-r--r--"));
        }
        Path initrd = initramfs(dir.resolve(name + "-initrd.cpio"), init, modules.toArray(String[]::new));
        List<String> cfg = new java.util.ArrayList<>(List.of("name = \"" + name + "\"", "type = \"hvm\"", "dm_restrict = 1",
                "kernel = \"" + kernel + "\"", "ramdisk = \"" + initrd + "\"", "serial = \"pty\""));
        cfg.addAll(List.of(lines));
        return host.domain(name + ".cfg", cfg.toArray(String[]::new));
    }

    /** The shell lines that load the initramfs's modules in order (for an /init). */
    public static final String LOAD_MODULES =
            "for m in $(/bin/busybox cat /lib/modules/order); do /bin/busybox insmod /lib/modules/$m; done";

    private static List<Path> modulesInLoadOrder(String... names) throws IOException, InterruptedException {
        kernel();
        Map<String, Path> all = new TreeMap<>();
        try (Stream<Path> s = Files.walk(CACHE)) {
            s.filter(p -> p.toString().contains("/lib/modules/") && p.getFileName().toString().endsWith(".ko"))
                    .forEach(p -> all.put(modName(p.getFileName().toString()), p));
        }
        List<Path> order = new java.util.ArrayList<>();
        for (String n : names) {
            add(modName(n + ".ko"), all, order, new java.util.HashSet<>());
        }
        return order;
    }

    private static void add(String name, Map<String, Path> all, List<Path> order, java.util.Set<String> visiting)
            throws IOException {
        Path ko = all.get(name);
        if (ko == null) {
            throw new IOException("no kernel module " + name + " in the kernel package");
        }
        if (order.contains(ko) || !visiting.add(name)) {
            return;
        }
        for (String dep : depends(ko)) {
            add(modName(dep + ".ko"), all, order, visiting);
        }
        order.add(ko);
    }

    /** The "depends=" of a module's .modinfo section (NUL-separated key=value strings). */
    private static List<String> depends(Path ko) throws IOException {
        String all = new String(Files.readAllBytes(ko), StandardCharsets.ISO_8859_1);
        int i = all.indexOf("\0depends=");
        if (i < 0) {
            return List.of();
        }
        String v = all.substring(i + 9, all.indexOf('\0', i + 1));
        return v.isEmpty() ? List.of() : List.of(v.split(","));
    }

    private static String modName(String file) {
        return file.substring(0, file.length() - 3).replace('-', '_');
    }

    private static Path unpack(String pkg) throws IOException, InterruptedException {
        Path dir = CACHE.resolve("pkg-" + pkg);
        if (Files.isDirectory(dir)) {
            return dir;
        }
        Path dl = CACHE.resolve("dl");
        Files.createDirectories(dl);
        run(dl, "apt-get", "download", "-q", pkg);
        Path deb;
        try (Stream<Path> s = Files.list(dl)) {
            deb = s.filter(p -> p.getFileName().toString().startsWith(pkg + "_")).findFirst()
                    .orElseThrow(() -> new IOException("apt-get download " + pkg + " left no .deb"));
        }
        Path tmp = CACHE.resolve("tmp-" + pkg);
        run(CACHE, "rm", "-rf", tmp.toString());
        run(CACHE, "dpkg-deb", "-x", deb.toString(), tmp.toString());
        Files.move(tmp, dir);
        return dir;
    }

    private static String run(Path cwd, String... cmd) throws IOException, InterruptedException {
        Files.createDirectories(cwd);
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** The cpio "newc" format the kernel unpacks an initramfs from (Documentation/driver-api/early-userspace). */
    private static final class Cpio {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private int ino = 1;

        void entry(String name, int mode, byte[] data) {
            entry(name, mode, data, 0, 0);
        }

        void entry(String name, int mode, byte[] data, int rdevMajor, int rdevMinor) {
            byte[] n = (name + "\0").getBytes(StandardCharsets.US_ASCII);
            String h = String.format("070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x", ino++, mode, 0, 0,
                    1, 0, data.length, 0, 0, rdevMajor, rdevMinor, n.length, 0);
            out.writeBytes(h.getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(n);
            pad();
            out.writeBytes(data);
            pad();
        }

        byte[] finish() {
            entry("TRAILER!!!", 0, new byte[0]);
            return out.toByteArray();
        }

        private void pad() {
            while (out.size() % 4 != 0) {
                out.write(0);
            }
        }
    }
}
