#!/usr/bin/env python3
# Medians (and minimums) of docs/bench/layer-cost.sh output files, as the table in docs/admin-guide.md §5.
import re,sys,statistics as st
rows={}
order=[]
for f in sys.argv[1:]:
    for l in open(f):
        m=re.match(r'(\S+) \d+ rc=0 create_ms=(\d+) cpu_ms=(\d+) destroy_ms=(\d+) rss_kib=(\S+)',l)
        if not m: continue
        k=m.group(1)
        if k not in rows: rows[k]=[]; order.append(k)
        rows[k].append((int(m.group(2)),int(m.group(3)),int(m.group(4)),None if m.group(5)=='?' else int(m.group(5))))
print("| variant | runs | create wall, median (min) | create CPU, median (min) | destroy wall, median | QEMU RSS |")
print("|---|---|---|---|---|---|")
for k in order:
    r=rows[k]
    w=[x[0] for x in r]; c=[x[1] for x in r]; d=[x[2] for x in r]; m=[x[3] for x in r if x[3]]
    print(f"| {k} | {len(r)} | {st.median(w)/1000:.1f} s ({min(w)/1000:.1f}) | {st.median(c)/1000:.2f} s ({min(c)/1000:.2f}) | {st.median(d)/1000:.1f} s | {st.median(m)/1024:.0f} MiB |")
