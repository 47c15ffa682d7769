#!/bin/sh
# host.sh -- `make bench-host`: first-connection latency of the httpd
# unikernel seen by a client on the host (tests/xen/bench-host.sh, one
# nested run), summed up in bench/host.txt.  The client is outside the
# emulated machine: it does not compete with the domain build for the
# emulated CPU, and its clock is the host's.
# BENCH_SUMMARY_ONLY=1 rewrites the summary from the last run's output.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/bench
res=$top/bench/host.txt
mkdir -p "$out" "$top/bench"
rc=0
if [ -z "${BENCH_SUMMARY_ONLY:-}" ]; then
	TESTBED_OUT=$out TESTBED_TIMEOUT=900 \
	    "$top/scripts/testbed/run.sh" bench-host || rc=$?
fi
r=$out/bench-host.results

# mode_stats MODE KEY: "n p50 p90 max" of KEY over MODE's good runs.
mode_stats() {
	awk -v m="$1" -v k="$2" '
	    $1 == "BENCH" && $2 == "host-first-byte" && $0 !~ / failed=1/ {
		delete v
		for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		if (v["mode"] == m && v[k] != "") print v[k]
	    }' "$r" | sort -n | awk '
	    { v[NR] = $1 }
	    END { if (NR) printf "%d %d %d %d", NR, v[int((NR + 1) / 2)],
		v[int((NR * 9 + 9) / 10)], v[NR]; else printf "0 - - -" }'
}

# count MODE PATTERN: the mode's BENCH lines that match PATTERN.
count() {
	grep "^BENCH host-first-byte mode=$1 " "$r" | grep -c -- "$2" || true
}

{
	echo "# first-connection latency, client on the host, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "# httpd unikernel (PVH, 8 MiB) summoned by jitsud in nested Xen"
	echo "# (QEMU TCG); the client (curl, its own resolver asking jitsud)"
	echo "# runs in a network namespace on the host, on a tap bridged to"
	echo "# dom0's br0, and times with the host's clock (ms)"
	echo "# syn = cold with Synjitsu, hold = cold with the answer held until"
	echo "# ready, lost = cold answered at once without Synjitsu (first SYN"
	echo "# lost), warm = already running"
	echo "# columns: mode n p50 p90 max failed syn_retrans_runs"
	echo "#   (first byte; failed: runs with no page; syn_retrans_runs: runs"
	echo "#   whose client retransmitted a SYN)"
	for m in syn hold lost warm; do
		echo "$m $(mode_stats "$m" first_byte_ms) $(count "$m" ' failed=1') $(count "$m" 'syn_retrans=[1-9]')"
	done
	echo "# the answer alone (query until the address): mode n p50 p90 max"
	for m in syn hold lost warm; do
		echo "$m $(mode_stats "$m" answer_ms)"
	done
} > "$res"
cat "$res"
exit "$rc"
