#!/usr/bin/env bash
# The figures of docs/admin-guide.md §5: time `dmjail create` of the demo (and its destroy) with layers
# switched off per domain, interleaving the variants; prints one line per run. Root, after `bin/demo`
# (or with the package installed: DMJAIL=/usr/bin/dmjail). Summarise with: docs/bench/layer-cost-stats.py OUT
set -u
cd "$(dirname "$0")/../.."
D=${DMJAIL:-bin/dmjail}
N=${N:-5}
img=$(mktemp /tmp/dmjail-bench.XXXXXX.img)
cp toolstack/target/guest/hello-guest.img "$img"
trap '$D -q destroy layer-bench >/dev/null 2>&1; rm -f "$img" "$img".out "$img".time' EXIT
ns_off="dmjail_namespaces_mount=0 dmjail_namespaces_ipc=0 dmjail_namespaces_uts=0 dmjail_namespaces_net=0 dmjail_namespaces_pid=0"
variants=(
  "all-layers|"
  "no-root|dmjail_filesystem=0"
  "no-seccomp|dmjail_seccomp=0"
  "no-cgroup|dmjail_cgroup=0"
  "no-namespaces|$ns_off dmjail_filesystem=0"
  "no-rlimits|dmjail_rlimits=0"
  "dac-only|dmjail_filesystem=0 dmjail_seccomp=0 dmjail_cgroup=0 $ns_off dmjail_rlimits=0"
  "no-dm_restrict|dm_restrict=0 dmjail_dac=0 dmjail_filesystem=0 dmjail_seccomp=0 dmjail_cgroup=0 $ns_off dmjail_rlimits=0"
)
TIMEFORMAT='%U %S'
for i in $(seq 1 "$N"); do
  for v in "${variants[@]}"; do
    label=${v%%|*}; sw=${v#*|}
    $D -q destroy layer-bench >/dev/null 2>&1
    s=$(date +%s%N)
    # shellcheck disable=SC2086
    { time $D create examples/demo.cfg 'name="layer-bench"' \
        "disk=[\"format=raw, vdev=hda, access=rw, target=$img\"]" $sw >"$img.out" 2>&1 ; } 2>"$img.time"
    rc=$?
    e=$(date +%s%N)
    cpu=$(awk '{printf "%d", ($1+$2)*1000}' "$img.time")
    pid=$($D list --json 2>/dev/null | python3 -c 'import json,sys
d=[x for x in json.load(sys.stdin) if x["name"]=="layer-bench"]; print(d[0]["pid"] if d else "")' 2>/dev/null)
    rss=$([ -n "$pid" ] && awk '/VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null)
    s2=$(date +%s%N)
    $D -q destroy layer-bench >/dev/null 2>&1
    e2=$(date +%s%N)
    echo "$label $i rc=$rc create_ms=$(( (e-s)/1000000 )) cpu_ms=$cpu destroy_ms=$(( (e2-s2)/1000000 )) rss_kib=${rss:-?}"
    [ "$rc" = 0 ] || tail -2 "$img.out"
  done
done
