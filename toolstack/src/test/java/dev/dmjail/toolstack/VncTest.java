package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmjail.toolstack.proof.ProofSupport;
import dev.dmjail.toolstack.state.StateStore;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VNC of a confined device model, from the host, with a real RFB 3.8 client (RFC 6143): the
 * toolstack bound the listener in the host's namespace and handed it to QEMU in its empty one.
 * Security None without vncpasswd, VNC authentication (DES challenge) with it, ServerInit with the
 * framebuffer size, a FramebufferUpdateRequest answered by an update; vncunused moves past a busy
 * port, vncunused = 0 on a busy port is a create error leaving nothing; audit PASS; after destroy
 * nothing is left and the port is free. Ports 5980..5989 (vncdisplay 80..89) are this test's.
 */
class VncTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    TestHost host;
    final List<String> created = new ArrayList<>();

    @BeforeAll
    static void rangeProvisioned() {
        RangeUsers.ensureInstalled();
    }

    @AfterEach
    void destroyLeftovers() {
        for (String n : created) {
            host.run("destroy", n);
        }
    }

    private Path config(String name, String... vncLines) throws IOException {
        List<String> l = new ArrayList<>(List.of("name = \"" + name + "\"", "type = \"hvm\"", "memory = 32", "vcpus = 1",
                "serial = \"pty\"", "boot = \"c\"", "dm_restrict = 1", "vnc = 1"));
        l.addAll(List.of(vncLines));
        return host.domain(name + ".cfg", l.toArray(String[]::new));
    }

    private CliRun create(Path cfg, String name) {
        created.add(name);
        return host.run("create", cfg.toString());
    }

    @Test
    void noPasswordSecurityNoneServerInitAndAnUpdate() throws Exception {
        host = new TestHost(tmp, "accel = tcg");
        String name = "vn-open";
        CliRun r = create(config(name, "vncdisplay = 80", "vncunused = 0"), name);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("VNC on 127.0.0.1:5980\n"), r.out());
        JsonNode listed = ProofSupport.listed(host, name);
        assertEquals("127.0.0.1:5980", listed.get("vnc").asText(), listed.toString());
        assertTrue(host.run("list").out().contains("127.0.0.1:5980"), "list shows the VNC address");

        try (Rfb c = Rfb.connect(5980)) {
            List<Integer> types = c.securityTypes();
            assertEquals(List.of(1), types, "no vncpasswd: security type None only");
            c.out.writeByte(1);
            assertEquals(0, c.in.readInt(), "SecurityResult OK");
            c.serverInitAndUpdate(name);
            // a client's connection is a host socket QEMU accepted on the listener: planned, so PASS
            CliRun during = host.run("audit", name);
            assertEquals(0, during.exit(), during.out() + during.err());
        }
        CliRun audit = host.run("audit", "-a", name);
        assertEquals(0, audit.exit(), audit.out() + audit.err());
        assertTrue(audit.out().contains("[ok] VNC listener (host namespace): planned 127.0.0.1:5980 LISTEN; observed "
                + "127.0.0.1:5980 LISTEN"), audit.out());
        assertTrue(audit.out().contains("[ok] no other host TCP socket"), audit.out());

        int pid = ProofSupport.listed(host, name).get("pid").asInt();
        assertEquals(0, host.run("destroy", name).exit());
        assertEquals(List.of(), ProofSupport.leftovers(host, name, null));
        assertFalse(Files.exists(Path.of("/proc/" + pid)) && Files.readString(Path.of("/proc/" + pid + "/cmdline")).contains(name));
        assertPortFree(5980);
    }

    @Test
    void passwordIsVncAuthWithADesChallengeAndNeverOnTheArgv() throws Exception {
        host = new TestHost(tmp, "accel = tcg");
        String name = "vn-pass";
        // a tenant's password with QEMU option syntax and a quote in it: it goes over QMP as JSON, not on the argv
        String password = "s3,c=r\"t";
        CliRun r = create(config(name, "vncdisplay = 81", "vncunused = 0", "vncpasswd = \"" + password.replace("\"", "\\\"") + "\"",
                "vga = \"stdvga\"", "keymap = \"de\""), name);
        assertEquals(0, r.exit(), r.err());
        int pid = ProofSupport.listed(host, name).get("pid").asInt();
        String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
        assertFalse(cmdline.contains(password), "the password is not on the world-readable argv: " + cmdline);
        assertTrue(cmdline.contains("-vnc none,password=on") && cmdline.contains("-device VGA,vgamem_mb=16")
                && cmdline.contains("-k de"), cmdline);
        assertFalse(Files.readString(new StateStore(host.stateDir, host.logDir).pathsOfKey(name).stateFile()).contains(password),
                "nor in the state file");

        try (Rfb c = Rfb.connect(5981)) {
            assertEquals(List.of(2), c.securityTypes(), "vncpasswd: VNC authentication only");
            c.out.writeByte(2);
            byte[] challenge = c.in.readNBytes(16);
            c.out.write(Rfb.desResponse("wrong", challenge));
            assertEquals(1, c.in.readInt(), "a wrong password fails");
        }
        try (Rfb c = Rfb.connect(5981)) {
            assertEquals(List.of(2), c.securityTypes());
            c.out.writeByte(2);
            byte[] challenge = c.in.readNBytes(16);
            c.out.write(Rfb.desResponse(password, challenge));
            assertEquals(0, c.in.readInt(), "the right password passes");
            c.serverInitAndUpdate(name);
        }
        CliRun audit = host.run("audit", name);
        assertEquals(0, audit.exit(), audit.out() + audit.err());
        assertEquals(0, host.run("destroy", name).exit());
        assertEquals(List.of(), ProofSupport.leftovers(host, name, null));
        assertPortFree(5981);
    }

    @Test
    void vncunusedSearchesPastABusyPortAndAClashIsACreateError() throws Exception {
        host = new TestHost(tmp, "accel = tcg");
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 5982));
            CliRun dry = host.run("create", "-n", config("vn-dry", "vncdisplay = 82").toString());
            assertEquals(0, dry.exit(), dry.err());
            JsonNode v = JSON.readTree(dry.out()).at("/plan/layers").findValue("vnc");
            assertEquals("127.0.0.1", v.get("host").asText(), dry.out());
            assertEquals(5982, v.get("port").asInt());
            assertEquals(5999, v.get("lastPort").asInt(), "vncunused defaults on (libxl), up to display 99");

            String name = "vn-search";
            CliRun r = create(config(name, "vncdisplay = 82", "vncunused = 1"), name);
            assertEquals(0, r.exit(), r.err());
            assertEquals("127.0.0.1:5983", ProofSupport.listed(host, name).get("vnc").asText());
            assertTrue(r.out().contains("VNC on 127.0.0.1:5983\n"), "create says the port it bound: " + r.out());
            try (Rfb c = Rfb.connect(5983)) {
                assertEquals(List.of(1), c.securityTypes());
            }
            assertEquals(0, host.run("audit", name).exit());
            // the check can fail: a plan naming another port than the one QEMU holds is a FAIL
            Path state = new StateStore(host.stateDir, host.logDir).pathsOfKey(name).stateFile();
            String original = Files.readString(state);
            JsonNode rec = JSON.readTree(original);
            for (JsonNode l : rec.at("/plan/layers")) {
                if (l.get("layer").asText().equals("network")) {
                    ((com.fasterxml.jackson.databind.node.ObjectNode) l.at("/settings/vnc")).put("port", 5989);
                }
            }
            Files.writeString(state, JSON.writeValueAsString(rec));
            CliRun tampered = host.run("audit", "-a", name);
            Files.writeString(state, original);
            assertEquals(ExitCodes.AUDIT_FAILED, tampered.exit(), tampered.out());
            assertTrue(tampered.out().contains("[FAIL] VNC listener (host namespace): planned 127.0.0.1:5989 LISTEN; "
                    + "observed 127.0.0.1:5983 LISTEN"), tampered.out());
            assertTrue(tampered.out().contains("[FAIL] no other host TCP socket"), tampered.out());

            String clash = "vn-clash";
            CliRun refused = create(config(clash, "vncdisplay = 82", "vncunused = 0"), clash);
            assertNotEquals(0, refused.exit());
            List<String> lines = refused.err().strip().lines().filter(l -> !l.startsWith("dmjail: WARN")).toList();
            assertEquals(1, lines.size(), refused.err());
            assertTrue(lines.get(0).contains("127.0.0.1:5982 is in use"), refused.err());
            assertEquals(List.of(), ProofSupport.leftovers(host, clash, null));
            assertEquals(null, ProofSupport.listed(host, clash));

            assertEquals(0, host.run("destroy", name).exit());
            assertEquals(List.of(), ProofSupport.leftovers(host, name, null));
        }
        assertPortFree(5983);
    }

    @Test
    void ipv6ListenerInBracketsWithItsDisplay() throws Exception {
        host = new TestHost(tmp, "accel = tcg");
        String name = "vn-six";
        CliRun r = create(config(name, "vnclisten = \"[::1]:84\"", "vncunused = 0"), name);
        assertEquals(0, r.exit(), r.err());
        assertEquals("[::1]:5984", ProofSupport.listed(host, name).get("vnc").asText());
        try (Rfb c = Rfb.connect("::1", 5984)) {
            assertEquals(List.of(1), c.securityTypes());
        }
        CliRun audit = host.run("audit", "-a", name);
        assertEquals(0, audit.exit(), audit.out() + audit.err());
        assertTrue(audit.out().contains("observed [0:0:0:0:0:0:0:1]:5984 LISTEN") || audit.out().contains("observed [::1]:5984 LISTEN"),
                audit.out());
        assertEquals(0, host.run("destroy", name).exit());
        assertEquals(List.of(), ProofSupport.leftovers(host, name, null));
    }

    /** The dry run plans the display without binding anything; the argv names no password. */
    @Test
    void dryRunPlansTheDisplay() throws Exception {
        host = new TestHost(tmp, "accel = tcg");
        CliRun dry = host.run("create", "-n", config("vn-plan", "vncpasswd = \"hunter22\"", "stdvga = 1", "videoram = 32")
                .toString());
        assertEquals(0, dry.exit(), dry.err());
        JsonNode plan = JSON.readTree(dry.out()).get("plan");
        String argv = plan.get("argv").toString();
        assertTrue(argv.contains("\"-device\",\"VGA,vgamem_mb=32\"") && argv.contains("\"-vnc\",\"none,password=on\""), argv);
        assertFalse(argv.contains("hunter22"), argv);
        JsonNode v = plan.get("layers").findValue("vnc");
        assertEquals(5900, v.get("port").asInt(), "libxl: vncdisplay defaults to 0");
        assertTrue(v.get("password").asBoolean());
        assertFalse(v.toString().contains("hunter22"), v.toString());
        assertTrue(plan.get("warnings").toString().isEmpty() || !plan.get("warnings").toString().contains("create would refuse"),
                plan.get("warnings").toString());
    }

    @Test
    void badVncValuesAreOneLineErrorsNamingTheKey() throws Exception {
        host = new TestHost(tmp, "accel = tcg");
        for (String[] c : new String[][] {
                {"vnclisten = \"localhost\"", ":9: vnclisten: \"localhost\": give an IP address"},
                {"keymap = \"../../etc\"", ":9: keymap: \"../../etc\" is not one of QEMU's keymaps"},
                {"keymap = \"xx\"", ":9: keymap: \"xx\" is not one of this host's QEMU keymaps"},
                {"videoram = 12", ":9: videoram: 12 MiB for cirrus VGA"},
                {"vga = \"qxl\"", ":9: vga: vga = \"qxl\" is not supported"}}) {
            Path cfg = config("vn-bad", c[0]);
            CliRun r = host.run("create", cfg.toString());
            assertNotEquals(0, r.exit(), c[0]);
            assertTrue(r.err().contains(cfg + c[1]), r.err());
            assertEquals(List.of(), ProofSupport.leftovers(host, "vn-bad", null));
        }
    }

    private static void assertPortFree(int port) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port)); // throws if anything still listens
        }
    }

    /** The client side of RFB 3.8, as far as this test needs it. */
    static final class Rfb implements AutoCloseable {
        final Socket s;
        final DataInputStream in;
        final DataOutputStream out;

        private Rfb(Socket s) throws IOException {
            this.s = s;
            s.setSoTimeout(20_000);
            in = new DataInputStream(s.getInputStream());
            out = new DataOutputStream(s.getOutputStream());
        }

        static Rfb connect(int port) throws IOException {
            return connect("127.0.0.1", port);
        }

        static Rfb connect(String hostAddress, int port) throws IOException {
            Rfb r = new Rfb(new Socket(hostAddress, port));
            byte[] version = r.in.readNBytes(12);
            assertEquals("RFB 003.008\n", new String(version, StandardCharsets.US_ASCII));
            r.out.write("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
            return r;
        }

        List<Integer> securityTypes() throws IOException {
            int n = in.readUnsignedByte();
            assertNotEquals(0, n, "the server refused the connection");
            List<Integer> t = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                t.add(in.readUnsignedByte());
            }
            return t;
        }

        /** ClientInit (shared), ServerInit (size, pixel format, "QEMU (NAME)"), one full update. */
        void serverInitAndUpdate(String name) throws IOException {
            out.writeByte(1);
            int w = in.readUnsignedShort();
            int h = in.readUnsignedShort();
            byte[] pixelFormat = in.readNBytes(16);
            int bpp = pixelFormat[0] & 0xff;
            int nameLen = in.readInt();
            assertTrue(nameLen < 4096);
            String desktop = new String(in.readNBytes(nameLen), StandardCharsets.UTF_8);
            assertTrue(w > 0 && h > 0 && w <= 4096 && h <= 4096, w + "x" + h);
            assertTrue(bpp == 8 || bpp == 16 || bpp == 32, "bits per pixel " + bpp);
            assertEquals("QEMU (" + name + ")", desktop);
            // SetEncodings: Raw only, so the update's size is known
            out.write(new byte[] {2, 0, 0, 1, 0, 0, 0, 0});
            out.writeByte(3);  // FramebufferUpdateRequest
            out.writeByte(0);  // not incremental
            out.writeShort(0);
            out.writeShort(0);
            out.writeShort(w);
            out.writeShort(h);
            assertEquals(0, in.readUnsignedByte(), "FramebufferUpdate");
            in.readUnsignedByte();
            int rects = in.readUnsignedShort();
            assertTrue(rects >= 1, "rectangles: " + rects);
            long pixels = 0;
            for (int i = 0; i < rects; i++) {
                int rw;
                int rh;
                in.readUnsignedShort();
                in.readUnsignedShort();
                rw = in.readUnsignedShort();
                rh = in.readUnsignedShort();
                int enc = in.readInt();
                if (enc == 0) { // Raw
                    in.readNBytes(rw * rh * (bpp / 8));
                    pixels += (long) rw * rh;
                } else {
                    // a pseudo-encoding (e.g. DesktopSize) carries no pixel data here
                    assertTrue(enc < 0, "encoding " + enc);
                }
            }
            // the guest (SeaBIOS) may switch video mode between ServerInit and the update: pixels came,
            // each rectangle read whole (the stream stays in step), not necessarily w*h of them
            assertTrue(pixels > 0, "Raw pixel data in the update");
        }

        /** RFB VNC authentication: DES-ECB of the challenge, key = password's first 8 bytes, each bit-reversed. */
        static byte[] desResponse(String password, byte[] challenge) throws IOException {
            byte[] key = new byte[8];
            byte[] p = password.getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < 8 && i < p.length; i++) {
                key[i] = (byte) (Integer.reverse(p[i] & 0xff) >>> 24);
            }
            try {
                Cipher des = Cipher.getInstance("DES/ECB/NoPadding");
                des.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "DES"));
                byte[] resp = des.doFinal(challenge);
                assertEquals(16, resp.length);
                assertFalse(java.util.Arrays.equals(resp, challenge));
                return resp;
            } catch (java.security.GeneralSecurityException e) {
                throw new IOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            s.close();
        }
    }
}
