#!/bin/sh
# run.sh -- `make bench`: every benchmark, results under bench/.
#   bench/dns.txt        jitsud vs NSD, queries/s (dnsperf, on this host)
#   bench/scale.txt      load time and RSS for 1 000 to 10 000 bound names
#   bench/results.txt    one nested-Xen run (tests/xen/bench.sh): per
#                        series its runs, failed runs and medians, the
#                        issue's targets, and every BENCH line as recorded
#   bench/boot-steps.svg figure 1: boot per optimisation step and memory
#   bench/parallel.svg   figure 2: N guests at once, jitsud vs xl create
#   bench/parallel-per-guest.svg  the same, per guest
#   bench/synjitsu.svg   figure 3: first-connection latency CDF
#   (results.txt also: conduit against TCP over netfront, issue 12)
# Nested timings are emulation times (QEMU TCG): compare only ratios
# measured in the same run.
#
# TESTBED_ARCH=arm64 runs the nested bench on the arm64 testbed instead
# (build with make ARCH=arm64 first): bench/arm64/results.txt and its
# figures, from build/bench/arm64/bench.results; its default pieces are
# fig1, fig3 and linux (jitsud against xl create, Synjitsu against held
# and lost, the Linux guest against the unikernel), and dns.txt and
# scale.txt, measures of this host, are left to the x86 run.
#
# Environment:
#   BENCH_ONLY          pieces of the nested run (fig1,fig2,fig3,conduit,
#                       linux; default fig1,fig2,fig3,conduit); set, it
#                       skips dns.txt and scale.txt unless it names
#                       "dns" or "scale"
#   BENCH_RUNS          runs per point (default 5; fig2 runs fewer at
#                       N >= 8, fig3 twice as many)
#   BENCH_MEMS, BENCH_PARN  for a quick check of the bench: figure 1's
#                       memory sizes and figure 2's N (comma lists)
#   BENCH_FIG3_MEM      figure 3's guest memory in MiB (default 4)
#   BENCH_SUMMARY_ONLY  1: no run, only summarise BENCH_RESULTS again
#   BENCH_RESULTS       the nested run's output (build/bench/bench.results)
#   BENCH_DIR           where results.txt and the figures go (bench/)
# A failed run never aborts: it is counted and the results and figures
# are always written, "no data" where a series has none.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/bench
arch=${TESTBED_ARCH:-amd64}
cache=${TESTBED_CACHE:-$top/build/cache}
# The testbed keeps an arm64 run's output in OUT/arm64 (run.sh).
case $arch in
amd64) sub="" ;;
arm64)
	sub=/arm64
	cache=$cache/arm64
	BENCH_ONLY=${BENCH_ONLY:-fig1,fig3,linux}
	;;
*)
	echo "bench: unknown TESTBED_ARCH $arch (amd64 or arm64)" >&2
	exit 2
	;;
esac
dir=${BENCH_DIR:-$top/bench$sub}
r=${BENCH_RESULTS:-$out$sub/bench.results}
res=$dir/results.txt
mkdir -p "$out" "$dir"

say() {
	echo "bench: [$(date -u +%H:%M:%S)] $*"
}

if [ -z "${BENCH_SUMMARY_ONLY:-}" ]; then
	t0=$(date +%s)
	case ",${BENCH_ONLY:-dns}," in
	*,dns,*)
		say "DNS throughput (bench/dns.txt)"
		sh "$top/scripts/bench/dns.sh" ||
		    say "dns.sh failed (exit $?); bench/dns.txt not updated"
		;;
	esac
	case ",${BENCH_ONLY:-scale}," in
	*,scale,*)
		say "memory and load time per bound name (bench/scale.txt)"
		SCALE_OUT=$dir/scale.txt sh "$top/scripts/bench/scale.sh" ||
		    say "scale.sh failed (exit $?); bench/scale.txt not updated"
		;;
	esac
	# Lists go to dom0 with "+" for ",": QEMU splits its -initrd
	# argument, which carries dom0's command line, at commas.
	args="jitsu.runs=${BENCH_RUNS:-5}"
	[ -n "${BENCH_ONLY:-}" ] && args="$args jitsu.bench=$BENCH_ONLY"
	[ -n "${BENCH_MEMS:-}" ] && args="$args jitsu.mems=$BENCH_MEMS"
	[ -n "${BENCH_PARN:-}" ] && args="$args jitsu.parn=$BENCH_PARN"
	[ -n "${BENCH_FIG3_MEM:-}" ] && args="$args jitsu.fig3mem=$BENCH_FIG3_MEM"
	args=$(echo "$args" | tr , +)
	say "nested run ($args); progress below, about 45 min in full"
	rc=0
	# Room for 32 guests at once and for their 32 xl processes (each
	# xl create leaves one behind to watch its domain): dom0 with the
	# default 384 MiB has 150 MiB free.
	TESTBED_OUT=$out TESTBED_TIMEOUT=${BENCH_TIMEOUT:-4200} \
	    TESTBED_STALL=150 TESTBED_ARGS="$args" \
	    TESTBED_MEM=${TESTBED_MEM:-1536} \
	    TESTBED_DOM0_MEM=${TESTBED_DOM0_MEM:-768} \
	    "$top/scripts/testbed/run.sh" bench || rc=$?
	say "nested run over in $(($(date +%s) - t0)) s, testbed exit $rc" \
	    "(1: some step failed, counted below; 2: the run broke off)"
fi
[ -f "$r" ] || : > "$r"

# The BENCH lines of the series named, as "A B VALUE" for a figure.
series() {
	awk -v name="$1" -v a="$2" -v b="$3" -v c="$4" '
	    $1 == "BENCH" && $2 == name {
		delete v
		for (i = 3; i <= NF; i++) {
			p = index($i, "="); v[substr($i, 1, p - 1)] = substr($i, p + 1)
		}
		if (v["failed"] != 1 && v[c] != "") print v[a], v[b], v[c]
	    }' "$r"
}

# Medians per (A, B) of series output, "A B MEDIAN" in first-seen order.
medians() {
	awk '
	    { k = $1 " " $2; if (!(k in n)) o[++no] = k; v[k, ++n[k]] = $3 }
	    END {
		for (i = 1; i <= no; i++) {
			k = o[i]; m = n[k]
			for (a = 2; a <= m; a++)
				for (b = a; b > 1 && v[k, b - 1] > v[k, b]; b--) {
					t = v[k, b]; v[k, b] = v[k, b - 1]; v[k, b - 1] = t
				}
			print k, m % 2 ? v[k, (m + 1) / 2] : \
			    int((v[k, m / 2] + v[k, m / 2 + 1]) / 2)
		}
	    }'
}

awk -v stamp="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    -v host="$(nproc) cores, $(uname -m)" -v arch="$arch" \
    -v versions="$(cat "$cache/stamp" 2>/dev/null)" \
    -f "$top/scripts/bench/summary.awk" "$r" > "$res"

# Figure 1: one group per step (in the run's order), one bar per memory;
# a step jitsud refused is drawn as "not available".
steporder=$(awk '$1 == "BENCH" && $2 == "step" {
	for (i = 3; i <= NF; i++) if ($i ~ /^label=/) print substr($i, 7) }' "$r")
{
	for s in $steporder; do
		awk -v s="$s" '$1 == "BENCH" && $2 == "step" &&
		    index($0, " label=" s " ") && / avail=0/ { print s, "-", "na" }' "$r"
		# Every memory the step was run at, "-" until a median comes.
		awk -v s="$s" '$1 == "BENCH" && $2 == "boot" &&
		    index($0, " step=" s " ") { sub(/.* mem=/, ""); sub(/ .*/, "");
		    if (!seen[$0]++) print s, $0 "MiB", "-" }' "$r"
		series boot step mem ms | awk -v s="$s" '$1 == s' | medians |
		    awk '{ print $1, $2 "MiB", $3 }'
	done
} | sh "$top/scripts/bench/bars-svg.sh" \
    "httpd unikernel: query or create to first HTTP byte, per step (median)" \
    "ms" > "$dir/boot-steps.svg"

series parallel sys n all_ms | medians |
    sh "$top/scripts/bench/lines-svg.sh" \
    "N httpd unikernels at once: all serving after (median)" \
    "guests started at once" "ms" > "$dir/parallel.svg"
series parallel sys n all_ms | medians | awk '{ print $1, $2, int($3 / $2) }' |
    sh "$top/scripts/bench/lines-svg.sh" \
    "N httpd unikernels at once: time per guest (median / N)" \
    "guests started at once" "ms per guest" > "$dir/parallel-per-guest.svg"

series synjitsu-first-byte mode run ms | awk '{ print $1, $3 }' |
    sh "$top/scripts/bench/cdf-svg.sh" \
    "httpd unikernel: DNS query to first HTTP byte" "ms" \
    > "$dir/synjitsu.svg"
cat "$res"
