package dev.dmjail.toolstack.layer;

import static dev.dmjail.toolstack.layer.FakeProc.failed;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The namespaces layer's verify, against a fake /proc: each ns link differs from the toolstack's
 * (self) and init's (1), NSpid ends in 1, and / is not a shared mount.
 */
class NamespaceLayerTest {

    @TempDir
    Path tmp;

    private static final Map<String, String> PROC = Map.of("mount", "mnt", "ipc", "ipc", "uts", "uts", "net", "net", "pid", "pid");

    private static LayerPlan plan() {
        Map<String, Boolean> ns = new LinkedHashMap<>();
        NamespaceLayer.PARTS.forEach(n -> ns.put(n, true));
        return LayerPlan.enforced(NamespaceLayer.NAME, new NamespaceLayer.Settings(ns, "dm-t", "slave,recursive"));
    }

    private FakeProc tree() {
        FakeProc p = new FakeProc(tmp);
        int i = 0;
        for (String n : NamespaceLayer.PARTS) {
            String link = PROC.get(n);
            p.link("self/ns/" + link, link + ":[40265318" + i + "0]");
            p.link("1/ns/" + link, link + ":[40265318" + i + "0]");
            p.link(FakeProc.PID + "/ns/" + link, link + ":[40265320" + i + "0]");
            i++;
        }
        p.threads(FakeProc.confinedStatus(65545));
        p.file(FakeProc.PID + "/mountinfo", "700 650 0:61 / / ro,relatime master:1 - tmpfs tmpfs ro,size=16384k\n");
        return p;
    }

    @Test
    void passesWithEveryNamespaceItsOwn() {
        LayerVerdict v = new NamespaceLayer().verify(plan(), tree().view());
        assertEquals(LayerVerdict.Result.PASS, v.result(), v.toString());
        assertEquals(7, v.checks().size());
    }

    @Test
    void failsWhenTheNetNamespaceIsTheHosts() {
        FakeProc p = tree().link(FakeProc.PID + "/ns/net", "net:[4026531830]"); // the toolstack's own
        LayerVerdict v = new NamespaceLayer().verify(plan(), p.view());
        assertEquals(LayerVerdict.Result.FAIL, v.result());
        assertEquals(List.of("net namespace"), failed(v));
    }

    @Test
    void failsWhenNotPidOneOfItsNamespace() {
        FakeProc p = tree();
        p.thread(FakeProc.PID, FakeProc.confinedStatus(65545), "NSpid", "31337");
        p.file(FakeProc.PID + "/status", "NSpid:\t31337\n");
        assertEquals(List.of("pid in its namespace (NSpid)"), failed(new NamespaceLayer().verify(plan(), p.view())));
    }

    @Test
    void failsWhenRootPropagatesToTheHost() {
        FakeProc p = tree().file(FakeProc.PID + "/mountinfo", "700 650 0:61 / / ro,relatime shared:1 - tmpfs tmpfs ro\n");
        assertEquals(List.of("/ propagation"), failed(new NamespaceLayer().verify(plan(), p.view())));
    }
}
