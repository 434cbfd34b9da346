/*
 * fakexen.c - LD_PRELOAD shim that lets Xen 4.17's real `xl -N create` run on a host
 * without a hypervisor, so XlParityTest can compare dmjail's parser with xl's.
 *
 * `xl -N` (dry run) only parses the config and prints libxl_domain_config as JSON, but
 * libxl_ctx_alloc() still opens libxc and xenstore handles, and xl_parse.c asks libxl for
 * physinfo, the cpu/node counts, the cpu topology (cpus="node:N", libxl_node_to_cpumap) and the
 * sharing counters. Each of those is answered here with a plausible x86 host: 4 cpus, all on
 * node 0, 4 GiB, hvm+pv+hap capable. XlParityTest gives dmjail's parser the same facts (HostFacts).
 *
 * Built by the test itself: gcc -shared -fPIC -o target/fakexen.so fakexen.c
 */
#define __XEN_TOOLS__ 1
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>
#include <xenstore.h>

static char fake_handle[4096];

xc_interface *xc_interface_open(xentoollog_logger *l, xentoollog_logger *dl, unsigned f)
{ (void)l; (void)dl; (void)f; return (xc_interface *)fake_handle; }
int xc_interface_close(xc_interface *xch) { (void)xch; return 0; }

struct xs_handle *xs_open(unsigned long flags) { (void)flags; return (struct xs_handle *)(fake_handle + 1024); }
void xs_close(struct xs_handle *h) { (void)h; }
void xs_daemon_close(struct xs_handle *h) { (void)h; }

int xc_version(xc_interface *xch, int cmd, void *arg)
{
    (void)xch;
    switch (cmd) {
    case XENVER_version: return (4 << 16) | 17;
    case XENVER_extraversion: if (arg) strcpy(arg, ".0"); return 0;
    case XENVER_capabilities: if (arg) strcpy(arg, "xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64"); return 0;
    case XENVER_pagesize: return 4096;
    default: if (arg) memset(arg, 0, 16); return 0;
    }
}

int xc_physinfo(xc_interface *xch, xc_physinfo_t *info)
{
    (void)xch;
    memset(info, 0, sizeof(*info));
    info->threads_per_core = 1;
    info->cores_per_socket = 4;
    info->nr_cpus = 4;
    info->max_cpu_id = 3;
    info->nr_nodes = 1;
    info->max_node_id = 0;
    info->cpu_khz = 2000000;
    info->total_pages = 1 << 20;
    info->free_pages = 1 << 19;
    info->capabilities = XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_pv | XEN_SYSCTL_PHYSCAP_hap;
    return 0;
}

/* libxl_get_cpu_topology: a NULL buffer asks for the count; else one entry per cpu (core i, socket 0, node 0). */
int xc_cputopoinfo(xc_interface *xch, unsigned *max_cpus, xc_cputopo_t *cputopo)
{
    (void)xch;
    if (cputopo) {
        for (unsigned i = 0; i < *max_cpus && i < 4; i++) {
            cputopo[i].core = i;
            cputopo[i].socket = 0;
            cputopo[i].node = 0;
        }
    }
    *max_cpus = 4;
    return 0;
}

int xc_get_max_cpus(xc_interface *xch) { (void)xch; return 4; }
int xc_get_online_cpus(xc_interface *xch) { (void)xch; return 4; }
int xc_get_max_nodes(xc_interface *xch) { (void)xch; return 1; }
long xc_sharing_freed_pages(xc_interface *xch) { (void)xch; return 0; }
long xc_sharing_used_frames(xc_interface *xch) { (void)xch; return 0; }
