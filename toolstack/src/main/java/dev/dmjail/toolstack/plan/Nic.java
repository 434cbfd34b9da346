package dev.dmjail.toolstack.plan;

import dev.dmjail.config.DomainConfig;
import dev.dmjail.config.VifSpec;
import dev.dmjail.toolstack.layer.NetworkLayer;
import dev.dmjail.toolstack.layer.PlanException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A guest NIC as the qemu backend realises it: a tap interface on the host bridge (named like Xen's
 * backend interfaces, vifDOMID.DEVID, unless vifname= says otherwise), an emulated model, a MAC.
 *
 * @param ifname host interface name (IFNAMSIZ: at most 15 characters)
 * @param bridge host bridge to attach to (xl's default: xenbr0)
 * @param ips    xl's {@code ip=}: the IPv4 addresses (or a.b.c.d/n networks) the guest may send from on
 *               this vif; empty = any (see {@link dev.dmjail.toolstack.layer.NetworkAntiSpoof})
 */
public record Nic(int devid, String ifname, String bridge, String mac, String model, String rate, List<String> ips) {

    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(/([0-9]|[12][0-9]|3[0-2]))?");

    private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");
    /** libxl's default emulated NIC for HVM guests under qemu-xen. */
    static final String DEFAULT_MODEL = "rtl8139";
    static final String DEFAULT_BRIDGE = "xenbr0";

    public static List<Nic> of(DomainConfig d, Integer domid) throws PlanException {
        List<Nic> out = new ArrayList<>();
        for (VifSpec v : d.nics()) {
            out.add(one(d.name(), v, domid));
        }
        return out;
    }

    /** One vif of domain {@code name} (create, network-attach). */
    public static Nic one(String name, VifSpec v, Integer domid) throws PlanException {
        String ifname = v.vifname() != null ? v.vifname() : "vif" + (domid == null ? "N" : domid) + "." + v.devid();
        if (!NetworkLayer.validInterfaceName(ifname)) { // the launcher checks a TAP fd's name by the same rule
            throw new PlanException("vif", "interface name '" + ifname + "' is not a valid Linux interface name "
                    + "(letters, digits, '_', '.', '-', at most 15)");
        }
        String bridge = v.bridge() != null ? v.bridge() : DEFAULT_BRIDGE;
        if (!NetworkLayer.validInterfaceName(bridge)) {
            throw new PlanException("vif", "bridge '" + bridge + "' is not a valid interface name");
        }
        String mac = v.mac() != null ? v.mac() : xenMac(name, v.devid());
        if (!MAC.matcher(mac).matches()) {
            throw new PlanException("vif", "mac '" + mac + "' is not a MAC address");
        }
        String model = v.model() != null ? v.model() : DEFAULT_MODEL;
        if (!model.matches("[A-Za-z0-9_-]{1,32}")) {
            throw new PlanException("vif", "model '" + model + "' is not a QEMU device name");
        }
        return new Nic(v.devid(), ifname, bridge, mac.toLowerCase(), model, v.rate(), ips(v));
    }

    /**
     * xl passes {@code ip=} to the vif script as a space-separated list (xl-network-configuration(5));
     * Xen's vif-bridge turns it into iptables source rules, IPv4 only (vif-common.sh frob_iptable).
     */
    static List<String> ips(VifSpec v) throws PlanException {
        if (v.ip() == null || v.ip().isBlank()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String a : v.ip().trim().split("[ \\t]+")) {
            if (!IPV4.matcher(a).matches()) {
                throw new PlanException("vif", "vif " + v.devid() + ": ip '" + a + "' is not an IPv4 address or "
                        + "a.b.c.d/n network (only IPv4 is enforced, as Xen's vif-bridge does)");
            }
            out.add(a);
        }
        return List.copyOf(out);
    }

    /** A stable MAC in Xen's OUI 00:16:3e, from the domain name and devid (libxl picks a random one). */
    static String xenMac(String name, int devid) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((name + "/" + devid).getBytes(StandardCharsets.UTF_8));
            return String.format("00:16:3e:%02x:%02x:%02x", h[0] & 0x7f, h[1] & 0xff, h[2] & 0xff);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
