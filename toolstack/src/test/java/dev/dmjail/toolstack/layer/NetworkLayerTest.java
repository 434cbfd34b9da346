package dev.dmjail.toolstack.layer;

import static dev.dmjail.toolstack.layer.FakeProc.failed;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dmjail.toolstack.plan.Nic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network layer's verify, against a fake /proc: the tap fds the device model holds and the host
 * TCP sockets among its fds (/proc/net/tcp by inode), and each planned tap on its bridge (IFNAME/master
 * under a fake /sys/class/net). The nft source rules of ip= need the real nft: checked on real taps by
 * NicHotplugTest and VifAntiSpoofTest.
 */
class NetworkLayerTest {

    @TempDir
    Path tmp;

    private static final LayerPlan PLAN = LayerPlan.enforced(NetworkLayer.NAME, new NetworkLayer.Settings(List.of(), null));

    private static final String TCP_HEADER =
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

    private FakeProc tree() {
        return new FakeProc(tmp).link(FakeProc.PID + "/fd/0", "/dev/null").link(FakeProc.PID + "/fd/3", "socket:[9001]")
                .file("net/tcp", TCP_HEADER).file("net/tcp6", TCP_HEADER);
    }

    @Test
    void passesWithoutTapsOrHostSockets() {
        LayerVerdict v = new NetworkLayer().verify(PLAN, tree().view());
        assertEquals(LayerVerdict.Result.PASS, v.result(), v.toString());
    }

    @Test
    void failsWhenItHoldsAHostTcpSocket() {
        // 127.0.0.1:5900 LISTEN (0100007F:170C, st 0A), inode 9001: the socket fd 3 points at
        FakeProc p = tree().file("net/tcp", TCP_HEADER
                + "   0: 0100007F:170C 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9001 1 0 100 0 0 10 0\n");
        LayerVerdict v = new NetworkLayer().verify(PLAN, p.view());
        assertEquals(List.of("no other host TCP socket"), failed(v));
        assertEquals("127.0.0.1:5900 LISTEN", FakeProc.check(v, "no other host TCP socket").observed());
    }

    @Test
    void failsWhenItHoldsATapNotPlanned() {
        FakeProc p = tree().link(FakeProc.PID + "/fd/9", "/dev/net/tun");
        assertEquals(List.of("tap fds held by the device model"), failed(new NetworkLayer().verify(PLAN, p.view())));
    }

    private static final LayerPlan ONE_NIC = LayerPlan.enforced(NetworkLayer.NAME, new NetworkLayer.Settings(
            List.of(new Nic(0, "vif7.0", "xenbr0", "00:16:3e:00:00:07", "rtl8139", null, List.of())), null));

    /** A fake /sys/class/net where vif7.0's master is {@code bridge}. */
    private Path sysfs(String bridge) throws Exception {
        Path net = Files.createDirectories(tmp.resolve("sys/class/net/vif7.0"));
        Files.createSymbolicLink(net.resolve("master"), Path.of("../" + bridge));
        return tmp.resolve("sys/class/net");
    }

    @Test
    void passesWithItsTapOnThePlannedBridge() throws Exception {
        FakeProc p = tree().link(FakeProc.PID + "/fd/9", "/dev/net/tun");
        LayerVerdict v = new NetworkLayer(sysfs("xenbr0")).verify(ONE_NIC, p.view());
        assertEquals(LayerVerdict.Result.PASS, v.result(), v.toString());
    }

    @Test
    void failsWhenTheTapIsOnAnotherBridge() throws Exception {
        FakeProc p = tree().link(FakeProc.PID + "/fd/9", "/dev/net/tun");
        LayerVerdict v = new NetworkLayer(sysfs("otherbr")).verify(ONE_NIC, p.view());
        assertEquals(List.of("vif7.0 on bridge"), failed(v));
        assertEquals("otherbr", FakeProc.check(v, "vif7.0 on bridge").observed());
    }

    @Test
    void failsWhenItDoesNotHoldThePlannedTap() throws Exception {
        LayerVerdict v = new NetworkLayer(sysfs("xenbr0")).verify(ONE_NIC, tree().view());
        assertEquals(List.of("tap fds held by the device model"), failed(v));
    }
}
