package dev.dmjail.toolstack.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmjail.toolstack.layer.FdEnvLayer;
import dev.dmjail.toolstack.layer.FilesystemLayer;
import dev.dmjail.toolstack.layer.LayerPlan;
import dev.dmjail.toolstack.layer.SeccompLayer;
import dev.dmjail.toolstack.plan.ConfinementPlan;
import dev.dmjail.toolstack.plan.DeviceModelFd;
import dev.dmjail.toolstack.plan.KernelBoot;
import dev.dmjail.toolstack.plan.QemuSandbox;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A state file written by main at 8e932ac (before the plan had its own fd, device-node and root-file
 * records and before QEMU's -sandbox was a record) is still read: destroy, list and audit of a domain
 * created before an upgrade work from it. The resource is a real one: {@code dmjail create} of a
 * domain with a disk, a direct kernel boot, a vif and a serial console, stopped right after the state
 * file was written (DMJAIL_FAULT=create.state-written), 2026-12-04, this machine.
 */
class StateFileCompatTest {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    @TempDir
    Path tmp;

    private DomainRecord readThroughTheStore() throws Exception {
        Path dir = tmp.resolve("run/domains/ta-state");
        Files.createDirectories(dir);
        try (InputStream in = getClass().getResourceAsStream("/state/main-8e932ac-state.json")) {
            Files.copy(in, dir.resolve("state.json"));
        }
        return new StateStore(tmp.resolve("run"), tmp.resolve("log")).readKey("ta-state").orElseThrow();
    }

    @Test
    void aStateFileFromBeforeThePlanRecordsIsRead() throws Exception {
        DomainRecord r = readThroughTheStore();
        ConfinementPlan plan = JSON.treeToValue(r.plan(), ConfinementPlan.class);

        FdEnvLayer.Settings fds = plan.layer(FdEnvLayer.NAME).settingsAs(FdEnvLayer.Settings.class);
        assertEquals(9, fds.fds().size());
        assertEquals(new DeviceModelFd(5, DeviceModelFd.Kind.DISK, "/tmp/ta-state/disk.img", true, false, "65024:2147032"),
                fds.fds().get(5));
        assertEquals(DeviceModelFd.Kind.TAP, fds.fds().get(8).kind());

        FilesystemLayer.Settings fs = plan.layer(FilesystemLayer.NAME).settingsAs(FilesystemLayer.Settings.class);
        assertEquals(List.of(new KernelBoot.File("/boot/kernel", "/tmp/ta-state/kernel", "65024:2147033"),
                new KernelBoot.File("/boot/initrd", "/tmp/ta-state/initrd", "65024:2147034")), fs.files());
        assertTrue(fs.devices().stream().anyMatch(n -> n.name().equals("kvm") && n.major() == 10 && n.minor() == 232
                && n.mode() == 0666), fs.devices().toString());
        // binds planned before their identities were: none to compare (destroy needs none, the audit skips that row)
        assertEquals(java.util.Map.of(), fs.bindIdentities());

        // the sandbox was stored as QEMU's option string; it is read as the groups it denies
        SeccompLayer.Settings sc = plan.layer(SeccompLayer.NAME).settingsAs(SeccompLayer.Settings.class);
        assertEquals(QemuSandbox.forBackend(false), sc.qemuSandbox());
    }

    /** The fds-env and filesystem settings keep today's JSON shape exactly: what is read back is what was stored. */
    @Test
    void theFdAndRootSettingsKeepTheStoredShape() throws Exception {
        ConfinementPlan plan = JSON.treeToValue(readThroughTheStore().plan(), ConfinementPlan.class);
        for (var layer : List.of(FdEnvLayer.NAME, FilesystemLayer.NAME)) {
            LayerPlan stored = plan.layer(layer);
            Class<?> type = layer.equals(FdEnvLayer.NAME) ? FdEnvLayer.Settings.class : FilesystemLayer.Settings.class;
            JsonNode rewritten = LayerPlan.enforced(layer, stored.settingsAs(type)).settings().deepCopy();
            // a field added since that file was written (filesystem bindIdentities) comes back empty: the rest is unchanged
            for (String added : List.of("bindIdentities")) {
                if (!stored.settings().has(added) && rewritten.path(added).isEmpty()) {
                    ((com.fasterxml.jackson.databind.node.ObjectNode) rewritten).remove(added);
                }
            }
            // as text: a tree read from a file holds 262144 as an int node, one made from a long field as a long node
            assertEquals(JSON.writeValueAsString(stored.settings()), JSON.writeValueAsString(rewritten), layer);
        }
    }

    /** The new shape of the sandbox reads back as itself. */
    @Test
    void theSandboxRecordRoundTrips() throws Exception {
        QemuSandbox xen = QemuSandbox.forBackend(true);
        assertEquals(xen, JSON.readValue(JSON.writeValueAsString(xen), QemuSandbox.class));
        assertEquals("{\"deny\":[\"OBSOLETE\",\"SPAWN\",\"RESOURCECONTROL\"]}", JSON.writeValueAsString(xen));
    }
}
