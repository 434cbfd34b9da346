package dev.dmjail.toolstack.layer;

import dev.dmjail.toolstack.plan.Nic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * xl's {@code ip=} on a vif, honoured as Xen's vif-bridge honours it (vif-common.sh frob_iptable:
 * traffic entering from the vif is accepted only from the listed sources, plus DHCP requests) —
 * with nftables in the bridge family instead of iptables, so it needs no br_netfilter and holds
 * for frames to the host as well as to other ports: a table per tap whose prerouting chain drops
 * IPv4 and ARP from the tap with any other sender address, and IPv6 altogether (Xen's rules are
 * IPv4 only; letting IPv6 through would let the guest bypass them).
 *
 * <p>Installed before the tap joins the bridge and comes up, so no spoofed frame gets through in
 * between; deleted at release, only when prepare recorded it.
 */
public final class NetworkAntiSpoof {

    static final Path NFT = Path.of("/usr/sbin/nft");

    private final List<String> prefix;

    /** @param prefix command prefix to run nft with (empty: this host; tests: {@code ip netns exec NS}) */
    public NetworkAntiSpoof(List<String> prefix) {
        this.prefix = List.copyOf(prefix);
    }

    public NetworkAntiSpoof() {
        this(List.of());
    }

    /** nftables is installed (ip= is refused otherwise, with this reason). */
    public static boolean available() {
        return Files.isExecutable(NFT);
    }

    /** One table per tap: the tap's name is unique on the host while it exists. */
    public static String table(String ifname) {
        return "dmjail-" + ifname;
    }

    /** The ruleset, as nft -f reads it. Interface names and addresses are validated by {@link Nic}. */
    public static String ruleset(String ifname, List<String> ips) {
        String set = "{ " + String.join(", ", ips) + " }";
        return "table bridge " + table(ifname) + " {\n"
                + "  chain from_guest {\n"
                + "    type filter hook prerouting priority -300; policy accept;\n"
                + "    iifname \"" + ifname + "\" ether type ip ip saddr 0.0.0.0 udp sport 68 udp dport 67 accept\n"
                + "    iifname \"" + ifname + "\" ether type ip ip saddr != " + set + " drop\n"
                + "    iifname \"" + ifname + "\" ether type arp arp saddr ip != " + set + " drop\n"
                + "    iifname \"" + ifname + "\" ether type ip6 drop\n"
                + "  }\n"
                + "}\n";
    }

    public void install(String ifname, List<String> ips) throws LayerException {
        nft(ruleset(ifname, ips), "-f", "-");
    }

    public void remove(String ifname) throws LayerException {
        nft(null, "delete", "table", "bridge", table(ifname));
    }

    /** The table as the kernel holds it, or null when it is not there. */
    public String listed(String ifname) {
        try {
            return nft(null, "list", "table", "bridge", table(ifname));
        } catch (LayerException e) {
            return null;
        }
    }

    private String nft(String stdin, String... args) throws LayerException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(NFT.toString());
        cmd.addAll(List.of(args));
        return HostTool.run(NetworkLayer.NAME, "nft " + String.join(" ", args), cmd, stdin);
    }
}
