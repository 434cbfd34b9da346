package dev.dmjail.toolstack.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.toolstack.qmp.QmpClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * xl vcpu-set on a QEMU guest: vCPUs plugged and unplugged as devices (QMP query-hotpluggable-cpus,
 * device_add / device_del; ACPI CPU hotplug), between 1 and the maxcpus the device model was started
 * with ({@code -smp N,maxcpus=M}, from xl's vcpus/maxvcpus). The first vCPU is never unplugged. What
 * QEMU answers is read only for its slot list and QOM paths, bounded by the QMP client.
 */
public final class VcpuHotplug {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long UNPLUG_WAIT_NANOS = 30_000_000_000L;

    private VcpuHotplug() {}

    /** One slot of query-hotpluggable-cpus. */
    record Slot(String type, ObjectNode props, String qomPath) {
        int order() {
            return props.path("socket-id").asInt() * 1_000_000 + props.path("core-id").asInt() * 1000
                    + props.path("thread-id").asInt();
        }
    }

    /** Brings the guest to {@code want} vCPUs; returns how many it has afterwards. */
    public static int set(Path qmpSocket, int want, long timeoutMillis) throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L + UNPLUG_WAIT_NANOS;
        try (QmpClient q = QmpClient.connect(qmpSocket, deadline)) {
            List<Slot> slots = slots(q, deadline);
            List<Slot> plugged = slots.stream().filter(s -> s.qomPath() != null).sorted(Comparator.comparingInt(Slot::order)).toList();
            List<Slot> free = slots.stream().filter(s -> s.qomPath() == null).sorted(Comparator.comparingInt(Slot::order)).toList();
            if (want > plugged.size()) {
                for (Slot s : free.subList(0, Math.min(free.size(), want - plugged.size()))) {
                    ObjectNode args = s.props().deepCopy().put("driver", s.type())
                            .put("id", "dmjail-vcpu" + s.props().path("socket-id").asInt() + "-"
                                    + s.props().path("core-id").asInt() + "-" + s.props().path("thread-id").asInt());
                    q.execute("device_add", args, deadline);
                }
            } else {
                List<Slot> remove = new ArrayList<>(plugged.subList(Math.max(1, want), plugged.size()));
                java.util.Collections.reverse(remove);
                for (Slot s : remove) {
                    q.execute("device_del", JSON.createObjectNode().put("id", s.qomPath()), deadline);
                }
                long end = System.nanoTime() + UNPLUG_WAIT_NANOS;
                while (slots(q, deadline).stream().filter(s -> s.qomPath() != null).count() > Math.max(1, want)) {
                    if (System.nanoTime() > end) {
                        throw new IOException("the guest did not release its vCPUs within 30 s (ACPI CPU hot-unplug "
                                + "needs the guest's cooperation)");
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted");
                    }
                }
            }
            return (int) slots(q, deadline).stream().filter(s -> s.qomPath() != null).count();
        }
    }

    private static List<Slot> slots(QmpClient q, long deadline) throws IOException {
        List<Slot> out = new ArrayList<>();
        for (JsonNode s : q.execute("query-hotpluggable-cpus", deadline)) {
            if (!s.path("props").isObject() || !s.path("type").isTextual()) {
                continue;
            }
            ObjectNode props = JSON.createObjectNode();
            s.path("props").fields().forEachRemaining(e -> {
                if (e.getValue().isInt() && List.of("socket-id", "core-id", "thread-id", "die-id", "node-id")
                        .contains(e.getKey())) {
                    props.put(e.getKey(), e.getValue().asInt()); // only the topology keys device_add takes
                }
            });
            out.add(new Slot(s.get("type").asText(), props, s.hasNonNull("qom-path") ? s.get("qom-path").asText() : null));
        }
        return out;
    }
}
