#!/bin/sh
# run.sh -- `make bench`: run the benchmarks in the nested-Xen testbed and
# write their numbers under bench/.  Timings are emulation times (QEMU TCG):
# compare only ratios measured in the same run.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/bench
res=$top/bench/results.txt
mkdir -p "$out" "$top/bench"

TESTBED_OUT=$out "$top/scripts/testbed/run.sh" bench-xl
{
	echo "# jitsud benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "# host: $(nproc) cores, $(uname -m); nested Xen under QEMU TCG"
	echo "# versions: $(cat "$top/build/cache/stamp")"
	echo "#"
	echo "# bench-xl: xl create of the baseline Linux PV guest (96 MiB,"
	echo "# busybox initramfs, vif-jitsu hotplug) until its first HTTP reply."
	echo "# columns: run create_ms http_ms"
	awk '/^BENCH linux-pv-xl/ {
	    for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	    print v["run"], v["create_ms"], v["http_ms"] }' \
	    "$out/bench-xl.results"
	awk '/^BENCH linux-pv-xl/ {
	    for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	    n++; c += v["create_ms"]; h += v["http_ms"] }
	    END { if (n) printf "# mean over %d runs: create_ms=%d http_ms=%d\n",
	        n, c / n, h / n }' "$out/bench-xl.results"
} > "$res"
cat "$res"
