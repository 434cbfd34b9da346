package dev.dmjail.config;

/**
 * One network interface, as libxl_device_nic after xl's parse_nic_config (xl-network-configuration(5)).
 * Every field is null/0 when not given; libxl picks the defaults later (a random 00:16:3e MAC, the
 * vif-bridge script, xenbr0, …), which is why xl -N does not show them either.
 *
 * @param devid   device index: its position in the vif list unless devid= is given
 * @param mac     normalised "xx:xx:xx:xx:xx:xx", or null
 * @param type    "vif" or "ioemu" (libxl nictype vif / vif_ioemu), or null
 * @param vifname backend interface name (libxl ifname)
 * @param rate    rate= as written, e.g. "10Mb/s@20ms"; see rateBytesPerInterval/rateIntervalUsecs
 * @param mtu     mtu=, 0 when not given
 */
public record VifSpec(int devid, String mac, String bridge, String ip, String model, String type, String vifname,
                      String script, String rate, long rateBytesPerInterval, long rateIntervalUsecs,
                      String gatewaydev, String backend, int mtu, Boolean trusted) {
}
