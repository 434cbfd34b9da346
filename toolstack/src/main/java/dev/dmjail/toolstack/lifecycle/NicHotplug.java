package dev.dmjail.toolstack.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.toolstack.layer.LayerException;
import dev.dmjail.toolstack.layer.NetworkLayer;
import dev.dmjail.toolstack.layer.Prepared;
import dev.dmjail.toolstack.plan.Nic;
import dev.dmjail.toolstack.qmp.QmpFdSession;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.state.StateStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * NICs attached to and detached from a running domain under restriction (xl network-attach /
 * network-detach). The NIC is planned in the state file first (so destroy releases it after any
 * crash), its tap is made on the host bridge by the network layer's own per-NIC preparation (each item
 * recorded as made), the toolstack attaches to the tap (TUNSETIFF, as the launcher does at create) and
 * hands the fd over (QMP {@code getfd}, SCM_RIGHTS), and QEMU adds {@code netdev_add tap,fd=} and the
 * guest's device ({@code device_add}, ACPI PCI hotplug). QEMU keeps no network of the host: it holds only
 * the tap fd, in its empty network namespace. Detach asks the guest to release the device, then removes
 * the netdev and releases the tap.
 */
public final class NicHotplug {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TUNSETIFF = 0x400454caL;
    private static final int O_RDWR_CLOEXEC = 2 | 02000000;
    private static final long DETACH_WAIT_NANOS = 30_000_000_000L;

    private NicHotplug() {}

    static String id(int devid) {
        return "hp-net" + devid;
    }

    /** The domain's NICs as planned (create's and attached ones). */
    public static List<Nic> nics(DomainRecord r) {
        List<Nic> out = new ArrayList<>();
        for (JsonNode n : settings(r.plan()).path("nics")) {
            out.add(JSON.convertValue(n, Nic.class));
        }
        return out;
    }

    /** The devids network-attach added. */
    public static List<Integer> attached(DomainRecord r) {
        List<Integer> out = new ArrayList<>();
        for (JsonNode n : settings(r.plan()).path("attached")) {
            out.add(n.asInt());
        }
        return out;
    }

    public static DomainRecord attach(StateStore store, DomainRecord r, Nic nic, long timeoutMillis) throws IOException {
        DomainRecord[] cur = {withNic(r, nic)};
        store.write(cur[0]); // planned first: destroy releases it from here on
        FaultPoint.hit("network-attach.planned");
        Prepared prepared = new Prepared(cur[0].prepared(), done -> store.write(cur[0] = cur[0].withPrepared(done)));
        QmpFdSession.LibC c = QmpFdSession.libc();
        int tap = -1;
        try {
            NetworkLayer.prepareNic(nic, prepared);
            FaultPoint.hit("network-attach.tap-made");
            tap = tap(c, nic.ifname());
            try (QmpFdSession q = QmpFdSession.connect(store.paths(r).qmpSocket(),
                    System.nanoTime() + timeoutMillis * 1_000_000L)) {
                String id = id(nic.devid());
                ObjectNode getfd = QmpFdSession.command("getfd");
                getfd.putObject("arguments").put("fdname", id);
                q.execute(getfd, tap);
                ObjectNode netdev = QmpFdSession.command("netdev_add");
                netdev.putObject("arguments").put("type", "tap").put("id", id).put("fd", id).put("vhost", false);
                q.execute(netdev, -1);
                FaultPoint.hit("network-attach.netdev-added");
                try {
                    ObjectNode dev = QmpFdSession.command("device_add");
                    dev.putObject("arguments").put("driver", nic.model()).put("netdev", id).put("mac", nic.mac()).put("id", id);
                    q.execute(dev, -1);
                } catch (IOException e) {
                    ObjectNode del = QmpFdSession.command("netdev_del");
                    del.putObject("arguments").put("id", id);
                    try {
                        q.execute(del, -1);
                    } catch (IOException ignored) {
                        // the first failure is reported
                    }
                    throw e;
                }
            }
            return cur[0];
        } catch (IOException | LayerException e) {
            List<String> left = NetworkLayer.releaseNic(nic, prepared);
            if (left.isEmpty()) {
                forget(prepared, nic);
                cur[0] = withoutNic(cur[0], nic.devid());
                store.write(cur[0]);
            }
            throw new IOException(e.getMessage() + (left.isEmpty() ? "" : "; releasing the tap also failed: " + left), e);
        } finally {
            if (tap >= 0) {
                c.close(tap); // QEMU holds its own copy
            }
        }
    }

    public static DomainRecord detach(StateStore store, DomainRecord r, Nic nic, long timeoutMillis) throws IOException {
        String id = id(nic.devid());
        try (QmpFdSession q = QmpFdSession.connect(store.paths(r).qmpSocket(),
                System.nanoTime() + timeoutMillis * 1_000_000L + DETACH_WAIT_NANOS)) {
            ObjectNode del = QmpFdSession.command("device_del");
            del.putObject("arguments").put("id", id);
            q.execute(del, -1);
            long end = System.nanoTime() + DETACH_WAIT_NANOS;
            while (DiskHotplug.present(q, id)) {
                if (System.nanoTime() > end) {
                    throw new IOException("the guest did not release vif " + nic.devid() + " within 30 s; it stays attached");
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
            ObjectNode netdev = QmpFdSession.command("netdev_del");
            netdev.putObject("arguments").put("id", id);
            q.execute(netdev, -1);
        }
        DomainRecord[] cur = {r};
        Prepared prepared = new Prepared(r.prepared(), done -> store.write(cur[0] = cur[0].withPrepared(done)));
        List<String> left = NetworkLayer.releaseNic(nic, prepared);
        if (!left.isEmpty()) {
            throw new IOException("vif " + nic.devid() + " is detached from the guest, but its tap could not be released: "
                    + left + " (destroy releases it)");
        }
        forget(prepared, nic);
        cur[0] = withoutNic(cur[0], nic.devid());
        store.write(cur[0]);
        return cur[0];
    }

    /** Opens /dev/net/tun attached to the tap {@code ifname} (include/uapi/linux/if_tun.h: IFF_TAP | IFF_NO_PI). */
    private static int tap(QmpFdSession.LibC c, String ifname) throws IOException {
        int fd = c.open("/dev/net/tun", O_RDWR_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("open /dev/net/tun: " + c.strerror(jnr.ffi.Runtime.getRuntime(c).getLastError()));
        }
        byte[] ifr = new byte[40];
        byte[] name = ifname.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, ifr, 0, name.length);
        ifr[16] = 0x02;        // IFF_TAP
        ifr[17] = 0x10;        // IFF_NO_PI (0x1000) high byte
        if (c.ioctl(fd, TUNSETIFF, ifr) != 0) {
            int err = jnr.ffi.Runtime.getRuntime(c).getLastError();
            c.close(fd);
            throw new IOException("TUNSETIFF " + ifname + ": " + c.strerror(err));
        }
        return fd;
    }

    private static void forget(Prepared prepared, Nic nic) throws IOException {
        try {
            prepared.undone(NetworkLayer.NAME, "antispoof " + nic.ifname());
            prepared.undone(NetworkLayer.NAME, "tap " + nic.ifname());
        } catch (LayerException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static ObjectNode settings(JsonNode plan) {
        for (JsonNode l : plan.path("layers")) {
            if (NetworkLayer.NAME.equals(l.path("layer").asText())) {
                return (ObjectNode) l.path("settings");
            }
        }
        throw new IllegalStateException("the stored plan has no " + NetworkLayer.NAME + " layer");
    }

    private static DomainRecord withNic(DomainRecord r, Nic nic) {
        ObjectNode plan = r.plan().deepCopy();
        ObjectNode s = settings(plan);
        ((ArrayNode) s.withArray("nics")).add(JSON.valueToTree(nic));
        s.withArray("attached").add(nic.devid());
        return r.withPlan(plan);
    }

    private static DomainRecord withoutNic(DomainRecord r, int devid) {
        ObjectNode plan = r.plan().deepCopy();
        ObjectNode s = settings(plan);
        ArrayNode nics = s.withArray("nics");
        for (int i = nics.size() - 1; i >= 0; i--) {
            if (nics.get(i).path("devid").asInt() == devid) {
                nics.remove(i);
            }
        }
        ArrayNode att = s.withArray("attached");
        for (int i = att.size() - 1; i >= 0; i--) {
            if (att.get(i).asInt() == devid) {
                att.remove(i);
            }
        }
        return r.withPlan(plan);
    }
}
