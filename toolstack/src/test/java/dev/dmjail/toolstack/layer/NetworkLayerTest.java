package dev.dmjail.toolstack.layer;

import static dev.dmjail.toolstack.layer.FakeProc.failed;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network layer's verify, against a fake /proc: the tap fds the device model holds and the host
 * TCP sockets among its fds (/proc/net/tcp by inode). The taps' bridges are the host's /sys/class/net,
 * checked on real taps by NicHotplugTest and VifAntiSpoofTest.
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
}
