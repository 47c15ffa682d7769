#!/bin/sh
# run.sh -- `make bench`: every benchmark, results under bench/.
#   bench/dns.txt      jitsud vs NSD, queries/s (dnsperf, on this host)
#   bench/results.txt  in one nested-Xen run: xl create vs jitsud's summon
#                      of the baseline guest and of the httpd unikernel,
#                      DNS latency idle vs during builds, and the first-
#                      connection latency with and without Synjitsu
#   bench/synjitsu.svg the latter's distributions, plotted
# Nested timings are emulation times (QEMU TCG): compare only ratios
# measured in the same run.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/bench
res=$top/bench/results.txt
mkdir -p "$out" "$top/bench"

# BENCH_SUMMARY_ONLY=1 rewrites the results from the last run's output.
if [ -z "${BENCH_SUMMARY_ONLY:-}" ]; then
	sh "$top/scripts/bench/dns.sh"
	TESTBED_OUT=$out TESTBED_TIMEOUT=900 \
	    "$top/scripts/testbed/run.sh" bench
fi
r=$out/bench.results

# fields NAME KEY...: one row per "BENCH NAME" line, the values of KEYs.
fields() {
	_name=$1
	shift
	awk -v name="$_name" -v keys="$*" '
	    $1 == "BENCH" && $2 == name {
		for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		n = split(keys, k, " "); line = ""
		for (i = 1; i <= n; i++) line = line (i > 1 ? " " : "") v[k[i]]
		print line
	    }' "$r"
}

# median COLUMN of stdin: one slow boot (a hotplug hiccup) must not
# decide a comparison of five.
median() {
	awk -v c="$1" 'NF { print $c }' | sort -n | awk '
	    { v[NR] = $1 }
	    END {
		if (NR % 2) printf "%d", v[(NR + 1) / 2]
		else if (NR) printf "%d", (v[NR / 2] + v[NR / 2 + 1]) / 2
	    }'
}

# ratio A B: A / B with two decimals
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b }'
}

xlstock=$(fields linux-pv-xl-stock run create_ms http_ms)
xl=$(fields linux-pv-xl run create_ms http_ms)
js=$(fields linux-pv-jitsud run answer_ms http_ms)
lat=$(fields dns-latency run idle_p50_us idle_p99_us build_p50_us \
    build_p99_us build_max_us)
ukxlstock=$(fields uk-httpd-xl-stock run create_ms http_ms)
ukxl=$(fields uk-httpd-xl run create_ms http_ms)
ukpv=$(fields uk-httpd-pv-xl run create_ms http_ms)
ukjs=$(fields uk-httpd-jitsud run answer_ms http_ms)
uk8=$(fields uk-eight run all_answered_ms)
lat8=$(fields dns-latency-eight run idle_p50_us idle_p99_us build_p50_us \
    build_p99_us build_max_us)
{
	echo "# jitsud benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "# host: $(nproc) cores, $(uname -m); nested Xen under QEMU TCG"
	echo "# versions: $(cat "$top/build/cache/stamp")"
	echo "# guest: the baseline Linux PV micro-VM (96 MiB, busybox, vif-jitsu)"
	echo "#"
	echo "# xl create until the first HTTP reply, stock hotplug script"
	echo "# (vif-bridge, bash); columns: run create_ms http_ms"
	echo "$xlstock"
	echo "# the same with the minimal vif-jitsu script"
	echo "$xl"
	echo "# jitsud (vif-jitsu): DNS query until the answer (guest ready) and"
	echo "# until the first HTTP reply; columns: run answer_ms http_ms"
	echo "$js"
	echo "# DNS round trip for a live name (qlat, one query every 50 ms),"
	echo "# idle vs while jitsud builds the guest; columns: run idle_p50_us"
	echo "# idle_p99_us build_p50_us build_p99_us build_max_us"
	echo "$lat"
	echo "# httpd unikernel (PVH, 4 MiB under xl, 8 MiB under jitsud):"
	echo "# xl create until the first HTTP reply, stock vif-bridge;"
	echo "# columns: run create_ms http_ms"
	echo "$ukxlstock"
	echo "# the same with vif-jitsu"
	echo "$ukxl"
	echo "# the same image built for PV (memory=4), vif-jitsu"
	echo "$ukpv"
	echo "# jitsud's summon of it; columns: run answer_ms http_ms"
	echo "$ukjs"
	echo "# eight httpd unikernels summoned at once: all answered after (ms)"
	echo "$uk8"
	echo "# DNS round trip of a live name idle vs during those eight builds;"
	echo "# columns as above"
	echo "$lat8"
	echo "#"
	echo "# medians (ms, us) and ratios of medians"
	ms=$(echo "$xlstock" | median 3)
	mx=$(echo "$xl" | median 3)
	mj=$(echo "$js" | median 3)
	us=$(echo "$ukxlstock" | median 3)
	ux=$(echo "$ukxl" | median 3)
	uj=$(echo "$ukjs" | median 3)
	echo "median_linux_xl_stock_http_ms $ms"
	echo "median_linux_xl_http_ms $mx"
	echo "median_linux_jitsud_http_ms $mj"
	echo "ratio_linux_jitsud_over_xl_stock $(ratio "$mj" "$ms")"
	echo "median_uk_xl_stock_http_ms $us"
	echo "median_uk_xl_http_ms $ux"
	echo "median_uk_jitsud_http_ms $uj"
	echo "ratio_uk_jitsud_over_xl_stock $(ratio "$uj" "$us")"
	echo "ratio_uk_jitsud_over_linux_xl_stock $(ratio "$uj" "$ms")"
	echo "median_uk_pv_xl_http_ms $(echo "$ukpv" | median 3)"
	echo "ratio_uk_pv_over_pvh_xl $(ratio "$(echo "$ukpv" | median 3)" "$ux")"
	echo "median_idle_p99_us $(echo "$lat" | median 3)"
	echo "median_build_p99_us $(echo "$lat" | median 5)"
	echo "median_eight_builds_p50_us $(echo "$lat8" | median 4)"
	echo "median_eight_builds_p99_us $(echo "$lat8" | median 5)"
	echo "#"
	echo "# first-connection latency of the httpd unikernel, DNS query until"
	echo "# its first HTTP byte (ms): syn = cold with Synjitsu, hold = cold"
	echo "# with the answer held until ready, lost = cold answered at once"
	echo "# without Synjitsu (first SYN lost), warm = already running;"
	echo "# columns: mode n p50 p90 max failed (runs that got no page)"
	for m in syn hold lost warm; do
		nf=$(fields synjitsu-first-byte mode failed |
		    awk -v m="$m" '$1 == m && $2 == 1' | wc -l)
		fields synjitsu-first-byte mode ms |
		    awk -v m="$m" '$1 == m && $2 != "" { print $2 }' | sort -n |
		    awk -v m="$m" -v nf="$nf" '
		    { v[NR] = $1 }
		    END { if (NR) printf "%s %d %d %d %d %d\n", m, NR,
			v[int((NR + 1) / 2)], v[int((NR * 9 + 9) / 10)], v[NR],
			nf }'
	done
} > "$res"
fields synjitsu-first-byte mode ms | awk '$2 != ""' |
    sh "$top/scripts/bench/cdf-svg.sh" \
    "httpd unikernel: DNS query to first HTTP byte" "ms" \
    > "$top/bench/synjitsu.svg"
cat "$res"
