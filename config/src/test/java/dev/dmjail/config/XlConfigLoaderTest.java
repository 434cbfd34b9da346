package dev.dmjail.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Grammar, domain model, warnings and JSON rendering on valid input. */
class XlConfigLoaderTest {
    @TempDir Path dir;

    private ParsedDomain load(String text, String... overrides) throws Exception {
        Path f = dir.resolve("g.cfg");
        Files.writeString(f, text);
        return XlConfigLoader.load(f, List.of(overrides));
    }

    @Test void grammarValuesAndRawSettings() throws Exception {
        ParsedDomain p = load("name='g'; kernel=\"/k\" # c\nmemory = 0x20\ndisk = [\n 'phy:/a,xvda,w', # x\n\n 'phy:/b,xvdb,r',\n]\n"
                + "dmjail_seccomp = 0\ndmjail_paths = [ '/x', '/y' ]\n");
        XlConfig raw = p.raw();
        assertEquals(List.of("name", "kernel", "memory", "disk", "dmjail_seccomp", "dmjail_paths"), raw.keys());
        XlSetting mem = raw.get("memory").orElseThrow();
        assertEquals(2, mem.line());
        assertEquals(new XlValue.Atom("0x20", XlValue.AtomKind.NUMBER, 2), mem.value());
        assertEquals(3, raw.get("disk").orElseThrow().line(), "a setting's line is where its value starts");
        XlValue.XlList disks = (XlValue.XlList) raw.get("disk").orElseThrow().value();
        assertEquals(6, disks.items().get(1).line());
        assertEquals(32L, p.domain().memoryMiB());
        assertEquals(List.of(), p.warnings(), "dmjail_* keys are silent");
        assertTrue(raw.get("dmjail_paths").orElseThrow().value().isList());
    }

    @Test void appendAndLastWins() throws Exception {
        ParsedDomain p = load("name = 'a'\nname += 'b'\nkernel = '/k'\ndisk = ['phy:/a,xvda,w']\ndisk += ['phy:/b,xvdb,w']\n"
                + "extra += 'x'\nmemory = 1\nmemory = 2\n");
        assertEquals("ab", p.domain().name());
        assertEquals(List.of("xvda", "xvdb"), p.domain().disks().stream().map(DiskSpec::vdev).toList());
        assertEquals("x", p.domain().cmdline());
        assertEquals(2L, p.domain().memoryMiB());
        assertTrue(p.raw().get("name").orElseThrow().append());
    }

    @Test void escapesAsLibxlutil() throws Exception {
        ParsedDomain p = load("name = 'q\\'s'\nkernel = \"/k\"\nextra = \"a\\tb\\n\\\\ \\101end \\\" \\a\\v\"\n");
        assertEquals("q's", p.domain().name());
        assertEquals("a\tb\n\\ end \" \u0007\u000b", p.domain().cmdline(), "\\NNN yields nothing, as in libxlutil");
    }

    @Test void overridesAreParsedAfterTheFile() throws Exception {
        ParsedDomain p = load("name = 'g'\nkernel = '/k'\nmemory = 512", "memory=1024", "vcpus=2;maxvcpus=4", "disk+=['phy:/a,xvda,w']");
        assertEquals(1024L, p.domain().memoryMiB());
        assertEquals(2, p.domain().vcpus());
        assertEquals(4, p.domain().maxVcpus());
        assertEquals(1, p.domain().disks().size());
        assertEquals(4, p.raw().get("memory").orElseThrow().line(), "overrides continue xl's line numbering");
        assertTrue(p.raw().isOverrideLine(4));
        assertFalse(p.raw().isOverrideLine(3));
    }

    @Test void derivedValuesAndDefaults() throws Exception {
        DomainConfig d = load("name = 'g'\nkernel = '/k'\nmemory = 256\nvcpus = 2\nroot = '/dev/xvda1'\nextra = 'quiet'\n").domain();
        assertEquals(DomainType.PV, d.type());
        assertEquals(256L, d.maxMemMiB());
        assertEquals(2, d.maxVcpus());
        assertEquals("root=/dev/xvda1 quiet", d.cmdline());
        assertEquals(ShutdownAction.DESTROY, d.onPoweroff());
        assertEquals(ShutdownAction.RESTART, d.onReboot());
        assertEquals(ShutdownAction.DESTROY, d.onCrash());
        assertNull(d.dmRestrict());
        assertNull(d.uuid());
        assertNull(d.deviceModelVersion());
        assertEquals(dir.resolve("g.cfg"), d.source());
    }

    @Test void hvmKeys() throws Exception {
        DomainConfig d = load("name='h'\nbuilder='hvm'\nserial='pty'\nboot='dc'\nvnc=1\nsdl=0\nacpi=1\ndm_restrict=1\n"
                + "device_model_user='u'\ndevice_model_override='/q'\ndevice_model_version='qemu-xen'\n"
                + "device_model_args=['-a']\ndevice_model_args_hvm=['-h']\ndevice_model_args_pv=['-p']\n"
                + "uuid='6E1F2D3C-4B5A-4968-8776-A5B4C3D2E1F0'\non_crash='coredump-restart'\n").domain();
        assertEquals(DomainType.HVM, d.type());
        assertEquals(List.of("pty"), d.serial());
        assertFalse(d.serialListForm());
        assertEquals("dc", d.boot());
        assertEquals(true, d.vnc());
        assertEquals(false, d.sdl());
        assertEquals(true, d.acpi());
        assertEquals(true, d.dmRestrict());
        assertEquals("u", d.deviceModelUser());
        assertEquals("/q", d.deviceModelOverride());
        assertEquals(DeviceModelVersion.QEMU_XEN, d.deviceModelVersion());
        assertEquals(List.of("-a"), d.deviceModelArgs());
        assertEquals(List.of("-h"), d.deviceModelArgsHvm());
        assertEquals(List.of("-p"), d.deviceModelArgsPv());
        assertEquals(UUID.fromString("6e1f2d3c-4b5a-4968-8776-a5b4c3d2e1f0"), d.uuid());
        assertEquals(ShutdownAction.COREDUMP_RESTART, d.onCrash());
    }

    @Test void unknownKeysWarnWithFileLineKey() throws Exception {
        ParsedDomain p = load("name = 'g'\nkernel = '/k'\nnodemask = '0'\nfoo = 1\nfoo = 2\ndmjail_x = 1\n");
        Path f = dir.resolve("g.cfg");
        assertEquals(List.of(f + ":3: nodemask: unknown key, ignored (not supported by dmjail)",
                f + ":4: foo: unknown key, ignored (not supported by dmjail)"), p.warnings());
    }

    @Test void otherWarnings() throws Exception {
        Path f = dir.resolve("g.cfg");
        assertEquals(List.of(f + ":4: cmdline: ignoring root= and extra= in favour of cmdline="),
                load("name='g'\nkernel='/k'\nroot='/r'\ncmdline='c'\n").warnings());
        assertEquals(List.of(f + ":3: device_model_override: device model override given without specific DM version"),
                load("name='g'\nkernel='/k'\ndevice_model_override='/q'\n").warnings());
        assertEquals(List.of(f + ":3: vif: the netdev parameter is deprecated, please use gatewaydev instead"),
                load("name='g'\nkernel='/k'\nvif=['netdev=eth0']\n").warnings());
        ParsedDomain h = load("name='g'\ntype='hvm'\nkernel='/usr/lib/xen/boot/hvmloader'\n");
        assertNull(h.domain().kernel());
        assertTrue(h.warnings().get(0).startsWith(f + ":3: kernel: you seem to be using \"kernel\""));
    }

    @Test void typePrefixesAsXl() throws Exception {
        assertEquals(DomainType.HVM, load("name='g'\ntype=''\n").domain().type());
        assertEquals(DomainType.PV, load("name='g'\ntype='p'\nkernel='/k'\n").domain().type());
        assertEquals(DomainType.PVH, load("name='g'\ntype='pvh'\nkernel='/k'\n").domain().type());
        assertEquals(DomainType.PV, load("name='g'\nbuilder='gen'\nkernel='/k'\n").domain().type());
    }

    @Test void diskForms() throws Exception {
        List<DiskSpec> d = load("name='g'\nkernel='/k'\ndisk=['phy:/dev/vg/x,xvda,w', 'file:/img,hda,r', ',,hdc:cdrom,r',"
                + "'format=qcow2,vdev=xvdb,access=ro,devtype=disk,backendtype=qdisk,script=s,target=/p,with,commas',"
                + "'vdev=hdd,devtype=cdrom', 'nbd:host:1234,xvdc,w']\n").domain().disks();
        assertEquals(new DiskSpec("/dev/vg/x", "xvda", "raw", true, false, null, null, null, false, null, null, null), d.get(0));
        assertEquals("ro", d.get(1).access());
        assertEquals("/img", d.get(1).target());
        DiskSpec cd = d.get(2);
        assertEquals("", cd.target());
        assertEquals("hdc", cd.vdev());
        assertEquals("cdrom", cd.devtype());
        assertEquals("empty", cd.format());
        assertFalse(cd.readWrite());
        assertTrue(cd.removable());
        DiskSpec kv = d.get(3);
        assertEquals("/p,with,commas", kv.target());
        assertEquals("qcow2", kv.format());
        assertEquals("qdisk", kv.backendtype());
        assertEquals("s", kv.script());
        assertEquals("disk", kv.devtype());
        assertFalse(kv.readWrite());
        assertNull(d.get(4).target(), "a cdrom may have no target at all");
        assertEquals("block-nbd", d.get(5).script());
        assertEquals("host:1234", d.get(5).target());
    }

    @Test void vifForms() throws Exception {
        List<VifSpec> v = load("name='g'\nkernel='/k'\nvif=['mac=0:16:3E:a:b:c,bridge=br0,ip=10.0.0.1,model=e1000,type=ioemu,"
                + "vifname=v0,script=vif-nat,rate=10Mb/s@20ms', '', 'rate=1MB/s', 'devid=9,mtu=1400']\n").domain().nics();
        VifSpec a = v.get(0);
        assertEquals("00:16:3e:0a:0b:0c", a.mac());
        assertEquals("br0", a.bridge());
        assertEquals("10.0.0.1", a.ip());
        assertEquals("e1000", a.model());
        assertEquals("ioemu", a.type());
        assertEquals("v0", a.vifname());
        assertEquals("vif-nat", a.script());
        assertEquals("10Mb/s@20ms", a.rate());
        assertEquals(25000, a.rateBytesPerInterval());
        assertEquals(20000, a.rateIntervalUsecs());
        assertEquals(1, v.get(1).devid());
        assertEquals(50000, v.get(2).rateBytesPerInterval());
        assertEquals(50000, v.get(2).rateIntervalUsecs());
        assertEquals(9, v.get(3).devid());
        assertEquals(1400, v.get(3).mtu());
    }

    @Test void jsonShapeAndRender() throws Exception {
        DomainConfig d = load("name='g'\nkernel='/k'\nmemory=1\nvcpus=2\nuuid='6e1f2d3c-4b5a-4968-8776-a5b4c3d2e1f0'\n"
                + "dm_restrict=1\nextra='a\\tb'\n").domain();
        ObjectNode j = LibxlJson.toJson(d);
        assertEquals("True", j.at("/b_info/dm_restrict").asText());
        assertEquals(1024, j.at("/b_info/target_memkb").asInt());
        assertEquals(2, j.at("/b_info/avail_vcpus").size());
        assertEquals("restart", j.get("on_reboot").asText());
        assertFalse(j.has("on_poweroff"), "destroy is libxl's default, omitted");
        String text = LibxlJson.render(j);
        assertTrue(text.startsWith("{\n    \"c_info\": {\n        \"type\": \"pv\",\n"), text);
        assertTrue(text.contains("\"sched_params\": {\n\n        },\n"), text);
        assertTrue(text.contains("\"cmdline\": \"a\\tb\",\n"), text);
        assertTrue(text.endsWith("    \"on_soft_reset\": \"soft_reset\"\n}\n"), text);
    }

    @Test void renderEscapesAndEmptyArrays() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("s", "/\u0001\"\\\u00e9");
        o.putArray("a");
        o.putArray("b").add(1).add(true);
        assertEquals("{\n    \"s\": \"/\\u0001\\\"\\\\\u00e9\",\n    \"a\": [\n\n    ],\n    \"b\": [\n        1,\n        true\n    ]\n}\n",
                LibxlJson.render(o));
    }
}
