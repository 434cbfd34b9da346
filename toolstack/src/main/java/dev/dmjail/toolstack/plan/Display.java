package dev.dmjail.toolstack.plan;

import dev.dmjail.config.DomainConfig;
import dev.dmjail.toolstack.layer.PlanException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The guest's display: the VGA device and VNC, as libxl_dm.c builds them for qemu-xen, with one
 * difference forced by the empty network namespace: QEMU cannot listen on the host, so it starts
 * with {@code -vnc none} (a VNC server with no listener) and the privileged side hands it a TCP
 * socket it bound in the host's namespace once QMP answers ({@code lifecycle/VncHandover}).
 * QEMU 7.2 takes a listener only that way: {@code -vnc} parses inet and unix addresses only, and
 * QMP's {@code display-update} with an address of type fd resolves the name with
 * {@code monitor_get_fd} (an fd sent by {@code getfd} over SCM_RIGHTS; a bare fd number is refused).
 * The password never reaches the argv: {@code password=on} only, the secret goes over QMP.
 */
public final class Display {

    /**
     * Where the VNC server listens. {@code port} is the first port tried, {@code lastPort} the last
     * one (equal when vncunused = 0); create binds the first free one and stores it as {@code port}.
     *
     * @param password VNC authentication is on (vncpasswd non-empty); the password itself is not here
     */
    public record Vnc(String host, int port, int lastPort, boolean password, String keymap) {
        /** host:port as a VNC client names it (IPv6 in brackets). */
        public String address() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }

        public Vnc withPort(int p) {
            return new Vnc(host, p, lastPort, password, keymap);
        }
    }

    /** libxl: 5900 + display; vncunused adds QEMU's {@code to=99}, i.e. up to display 99 (port 5999). */
    static final int BASE_PORT = 5900;
    static final int LIBXL_SEARCH_END = BASE_PORT + 99;
    static final Path KEYMAP_DIR = Path.of("/usr/share/qemu/keymaps");
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:]*:[0-9a-fA-F:.]*");
    private static final Pattern KEYMAP = Pattern.compile("[a-z][a-z-]{0,15}");

    private Display() {}

    /** Adds the display's arguments and returns the VNC listener to bind, or null without VNC. */
    static Vnc add(QemuArgs q, DomainConfig d) throws PlanException {
        boolean vnc = Boolean.TRUE.equals(d.vnc());
        DomainConfig.VncKeys k = d.vncDisplay();
        addVga(q, d, vnc);
        q.add("-display", "none");
        if (!vnc) {
            return null;
        }
        String host = "127.0.0.1";
        Integer display = k.display();
        if (k.listen() != null) {
            String listen = k.listen();
            int colon = listen.startsWith("[") ? listen.indexOf("]:") + 1 : listen.lastIndexOf(':');
            if (colon > 0 && (listen.startsWith("[") || listen.indexOf(':') == colon)) {
                // "addr:display", as libxl passes it to QEMU (xl refuses it together with vncdisplay)
                display = parseDisplay(listen.substring(colon + 1));
                listen = listen.substring(0, colon);
            }
            host = listen.startsWith("[") && listen.endsWith("]") ? listen.substring(1, listen.length() - 1) : listen;
            if (!IPV4.matcher(host).matches() && !(IPV6.matcher(host).matches() && k.listen().startsWith("["))) {
                throw new PlanException("vnclisten", "\"" + k.listen() + "\": give an IP address (IPv4, or IPv6 in "
                        + "brackets), optionally with :DISPLAY; dmjail binds the socket itself and does not resolve names");
            }
        }
        int port = BASE_PORT + (display == null ? 0 : display); // libxl: vnc->display defaults to 0
        if (port > 65535) {
            throw new PlanException(k.listen() != null && k.listen().indexOf(':') >= 0 ? "vnclisten" : "vncdisplay",
                    "display " + display + " would be TCP port " + port + ", above 65535");
        }
        // libxl_defbool_setdefault(&vnc.findunused, true) when VNC is on
        boolean findUnused = k.findUnused() == null || k.findUnused();
        int last = findUnused ? Math.max(port, LIBXL_SEARCH_END) : port;
        boolean password = k.passwd() != null && !k.passwd().isEmpty();
        if (password && k.passwd().indexOf('\0') >= 0) {
            throw new PlanException("vncpasswd", "the password contains a NUL byte");
        }
        if (password && k.passwd().length() > 8) {
            q.warnings.add("vncpasswd: VNC authentication (RFB's DES challenge) uses only the first 8 characters");
        }
        String keymap = k.keymap();
        if (keymap != null) {
            if (!KEYMAP.matcher(keymap).matches()) {
                throw new PlanException("keymap", "\"" + keymap + "\" is not one of QEMU's keymaps (" + KEYMAP_DIR + ")");
            }
            if (Files.isRegularFile(KEYMAP_DIR.resolve(keymap))) {
                q.add("-k", keymap);
            } else { // a keymap name this host's QEMU has no file for (xl -N does not look; QEMU would fail at start)
                q.problems.add("keymap", "\"" + keymap + "\" is not one of this host's QEMU keymaps (" + KEYMAP_DIR + ")");
            }
        }
        q.add("-vnc", password ? "none,password=on" : "none");
        return new Vnc(host, port, last, password, keymap);
    }

    private static int parseDisplay(String s) throws PlanException {
        if (!s.matches("[0-9]{1,5}")) {
            throw new PlanException("vnclisten", "display \"" + s + "\" after ':' is not a number");
        }
        return Integer.parseInt(s);
    }

    /**
     * libxl_dm.c: {@code VGA,vgamem_mb=} for std, {@code cirrus-vga,vgamem_mb=} for cirrus (xl's HVM
     * default), nothing for none. Without VNC and without any VGA key the guest keeps dmjail's
     * earlier headless machine (no VGA device); any VGA key adds the device it asks for.
     */
    private static void addVga(QemuArgs q, DomainConfig d, boolean vnc) throws PlanException {
        if (d.type() != dev.dmjail.config.DomainType.HVM) {
            return; // a PV guest's display is QEMU's xenfb (xl's vfb), not a VGA card
        }
        String kind = d.vga() != null ? d.vga() : (vnc || d.videoramMiB() != null ? "cirrus" : null);
        if (kind == null || kind.equals("none")) {
            return;
        }
        Long mb = d.videoramMiB();
        switch (kind) {
            case "std" -> {
                // libxl: default 16 MiB, less is refused; QEMU rounds vgamem_mb up to a power of two, at most 512
                long m = mb == null ? 16 : mb;
                if (m < 16 || m > 512 || Long.bitCount(m) != 1) {
                    throw new PlanException("videoram", m + " MiB for std VGA: give a power of two from 16 "
                            + "(libxl's minimum) to 512 (QEMU's maximum; QEMU would round any other value)");
                }
                q.add("-device", "VGA,vgamem_mb=" + m);
            }
            case "cirrus" -> {
                // libxl: default 8 MiB, less is refused; QEMU's cirrus-vga takes 4, 8 or 16
                long m = mb == null ? 8 : mb;
                if (m != 8 && m != 16) {
                    throw new PlanException("videoram", m + " MiB for cirrus VGA: 8 or 16 (libxl's minimum is 8, "
                            + "QEMU's cirrus-vga takes 4, 8 or 16)");
                }
                q.add("-device", "cirrus-vga,vgamem_mb=" + m);
            }
            default -> throw new PlanException("vga", "vga = \"" + kind + "\" is not supported (QXL is a SPICE "
                    + "device; use stdvga or cirrus)");
        }
    }
}
