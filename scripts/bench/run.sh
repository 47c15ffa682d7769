#!/bin/sh
# run.sh -- `make bench`: every benchmark, results under bench/.
#   bench/dns.txt      jitsud vs NSD, queries/s (dnsperf, on this host)
#   bench/results.txt  in one nested-Xen run: xl create vs jitsud's summon
#                      of the baseline guest, and DNS latency idle vs
#                      during a build
# Nested timings are emulation times (QEMU TCG): compare only ratios
# measured in the same run.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/bench
res=$top/bench/results.txt
mkdir -p "$out" "$top/bench"

sh "$top/scripts/bench/dns.sh"

TESTBED_OUT=$out TESTBED_TIMEOUT=900 "$top/scripts/testbed/run.sh" bench
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

# mean COLUMN of stdin
mean() {
	awk -v c="$1" '{ s += $c; n++ } END { if (n) printf "%d", s / n }'
}

xl=$(fields linux-pv-xl run create_ms http_ms)
js=$(fields linux-pv-jitsud run answer_ms http_ms)
lat=$(fields dns-latency run idle_p50_us idle_p99_us build_p50_us \
    build_p99_us build_max_us)
ukxl=$(fields uk-httpd-xl run create_ms http_ms)
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
	echo "# xl create until the first HTTP reply; columns: run create_ms http_ms"
	echo "$xl"
	echo "# jitsud: DNS query until the answer (guest ready) and until the"
	echo "# first HTTP reply; columns: run answer_ms http_ms"
	echo "$js"
	echo "# DNS round trip for a live name (qlat, one query every 50 ms),"
	echo "# idle vs while jitsud builds the guest; columns: run idle_p50_us"
	echo "# idle_p99_us build_p50_us build_p99_us build_max_us"
	echo "$lat"
	echo "# httpd unikernel (PVH, 4 MiB under xl, 8 MiB under jitsud):"
	echo "# xl create until the first HTTP reply; columns: run create_ms http_ms"
	echo "$ukxl"
	echo "# jitsud's summon of it; columns: run answer_ms http_ms"
	echo "$ukjs"
	echo "# eight httpd unikernels summoned at once: all answered after (ms)"
	echo "$uk8"
	echo "# DNS round trip of a live name idle vs during those eight builds;"
	echo "# columns as above"
	echo "$lat8"
	echo "#"
	mx=$(echo "$xl" | mean 3)
	mj=$(echo "$js" | mean 3)
	echo "mean_xl_http_ms $mx"
	echo "mean_jitsud_http_ms $mj"
	echo "ratio_jitsud_over_xl $(awk -v x="$mx" -v j="$mj" \
	    'BEGIN { if (x > 0) printf "%.2f", j / x }')"
	echo "mean_uk_xl_http_ms $(echo "$ukxl" | mean 3)"
	echo "mean_uk_jitsud_http_ms $(echo "$ukjs" | mean 3)"
	echo "ratio_uk_over_linux_xl_http $(awk -v u="$(echo "$ukxl" | mean 3)" \
	    -v x="$mx" 'BEGIN { if (x > 0) printf "%.2f", u / x }')"
	echo "mean_idle_p99_us $(echo "$lat" | mean 3)"
	echo "mean_build_p99_us $(echo "$lat" | mean 5)"
} > "$res"
cat "$res"
