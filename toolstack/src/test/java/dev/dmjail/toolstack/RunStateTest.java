package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `list` says what QEMU says (QMP query-status), never "running" for a guest that is not: a guest
 * paused through QMP shows "paused", and "running" again after "cont".
 */
class RunStateTest {

    @TempDir
    Path tmp;

    @BeforeAll
    static void range() {
        RangeUsers.ensureInstalled();
    }

    static String listed(TestHost host) throws Exception {
        JsonNode l = new ObjectMapper().readTree(host.run("list", "--json").out());
        return l.get(0).get("state").asText();
    }

    static void qmp(Path sock, String cmd) throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(sock));
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            Writer out = new OutputStreamWriter(Channels.newOutputStream(ch), StandardCharsets.UTF_8);
            in.readLine();
            out.write("{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"" + cmd + "\"}\n");
            out.flush();
            int returns = 0; // one for qmp_capabilities, one for the command; events may come between
            for (String l; returns < 2 && (l = in.readLine()) != null; ) {
                if (l.contains("\"return\"")) returns++;
            }
        }
    }

    @Test
    void pausedIsNotRunning() throws Exception {
        TestHost host = new TestHost(tmp);
        Path img = tmp.resolve("g.img");
        Files.copy(Path.of(System.getProperty("dmjail.guest.image", "target/guest/hello-guest.img")), img);
        Path cfg = host.domain("rs.cfg", "name = \"rs\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1",
                "disk = [ \"format=raw, vdev=hda, access=rw, target=" + img + "\" ]");
        assertEquals(0, host.run("create", cfg.toString()).exit());
        try {
            assertEquals("running", listed(host));
            Path sock = host.stateDir.resolve("domains/rs/qmp.sock");
            qmp(sock, "stop");
            assertEquals("paused", listed(host));
            CliRun audit = host.run("audit", "rs");
            assertTrue(audit.out().contains("guest: paused (the device model is not running the guest"), audit.out());
            assertTrue(host.run("audit", "--json", "rs").out().contains("\"guest_state\" : \"paused\""));
            qmp(sock, "cont");
            assertEquals("running", listed(host));
        } finally {
            assertEquals(0, host.run("destroy", "rs").exit());
        }
    }
}
