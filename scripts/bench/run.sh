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
# With BENCH_ARCH=arm64 or armhf (make bench-arm: both) the nested run is
# on that ARM machine instead (figures 1 and 3 by default), and its
# figures are bench/ARCH-*.svg.  results.txt holds a section per machine, x86's
# first, each with the time of its run: a run rewrites its machine's
# section and keeps the other's.
# Nested timings are emulation times (QEMU TCG): compare only ratios
# measured in the same run.
#
# Environment:
#   BENCH_ONLY          pieces of the nested run (fig1,fig2,fig3,conduit,
#                       linux; default fig1,fig2,fig3,conduit); set, it
#                       skips dns.txt and scale.txt unless it names
#                       "dns" or "scale"
#   BENCH_RUNS          runs per point (default 5; fig2 runs fewer at
#                       N >= 8, fig3 four times as many: its
#                       Synjitsu and held modes sit within 10-40 ms of
#                       each other, and ten runs' medians moved by that
#                       much between two runs of the same code)
#   BENCH_MEMS, BENCH_PARN  for a quick check of the bench: figure 1's
#                       memory sizes and figure 2's N (comma lists)
#   BENCH_STEPS         figure 1's steps by label (comma list; default
#                       all of tests/xen/bench-steps.inc)
#   BENCH_FIG3_MEM      figure 3's guest memory in MiB (default 4)
#   BENCH_CPUS          the emulated machine's CPUs (default 1 on x86,
#                       2 on ARM; TESTBED_CPUS)
#   BENCH_SUMMARY_ONLY  1: no run, only summarise BENCH_RESULTS (and an
#                       ARM run's, BENCH_RESULTS_ARCH) again; with
#                       BENCH_ARCH, only that machine's section
#   BENCH_RESULTS       the nested run's output (build/bench/bench.results)
#   TESTBED_XENSTORED   oxenstored: dom0 runs Debian's default xenstored
#                       (the output then build/bench/bench-oxenstored.results)
#   BENCH_DIR           where results.txt and the figures go (bench/)
#   BENCH_ARCH          amd64 (default), arm64 or armhf: the machine of the
#                       nested run (TESTBED_ARCH); an ARM run skips the
#                       host's dns.txt and scale.txt
#   BENCH_RESULTS_arm64, BENCH_RESULTS_armhf  an ARM run's output to
#                       summarise (default build/bench/ARCH/bench.results,
#                       when it exists)
# A failed run never aborts: it is counted and the results and figures
# are always written, "no data" where a series has none.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/bench
dir=${BENCH_DIR:-$top/bench}
# A run on oxenstored (TESTBED_XENSTORED) is the testbed's bench-oxenstored.
case ${TESTBED_XENSTORED:-} in
oxenstored) r=${BENCH_RESULTS:-$out/bench-oxenstored.results} ;;
*) r=${BENCH_RESULTS:-$out/bench.results} ;;
esac
res=$dir/results.txt
arch=${BENCH_ARCH:-amd64}
case $arch in
amd64) ;;
armhf)
	# armhf's e1000 (the host client's NIC) stops sending after a
	# run or two (NETDEV WATCHDOG in dom0): its clients are in dom0.
	TESTBED_HOSTNET=${TESTBED_HOSTNET:-0}
	export TESTBED_HOSTNET
	BENCH_ONLY=${BENCH_ONLY:-fig1,fig3}
	;;
arm64)
	# The ARM machine's pieces: figure 2's 32 guests and conduit are
	# x86's only unless asked for.
	BENCH_ONLY=${BENCH_ONLY:-fig1,fig3}
	;;
*)
	echo "bench: unknown BENCH_ARCH $arch (amd64, arm64 or armhf)" >&2
	exit 2
	;;
esac
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
	[ -n "${BENCH_STEPS:-}" ] && args="$args jitsu.steps=$BENCH_STEPS"
	[ -n "${BENCH_FIG3_MEM:-}" ] && args="$args jitsu.fig3mem=$BENCH_FIG3_MEM"
	args=$(echo "$args" | tr , +)
	say "nested run on $arch ($args); progress below, about 45 min in full"
	rc=0
	# Room for 32 guests at once and for their 32 xl processes (each
	# xl create leaves one behind to watch its domain): dom0 with the
	# default 384 MiB has 150 MiB free.  Xen's 1.2 GiB beside dom0 hold
	# figure 1's pools, whose shells hold their RAM (shell-ram
	# populated): a shell of 4, 16, 64 and 256 MiB a builder, 680 MiB,
	# and the guest of the run and the shell made after it.  x86's machine gets one CPU
	# (testbed/run.sh says why: single-threaded TCG); ARM's run
	# multi-threaded, one host thread per CPU, and keep two.
	cpus=2
	[ "$arch" != amd64 ] || cpus=1
	TESTBED_ARCH=$arch TESTBED_OUT=$out \
	    TESTBED_CPUS=${BENCH_CPUS:-$cpus} \
	    TESTBED_TIMEOUT=${BENCH_TIMEOUT:-4200} \
	    TESTBED_STALL=150 TESTBED_ARGS="$args" \
	    TESTBED_MEM=${TESTBED_MEM:-2048} \
	    TESTBED_DOM0_MEM=${TESTBED_DOM0_MEM:-768} \
	    "$top/scripts/testbed/run.sh" bench || rc=$?
	say "nested run over in $(($(date +%s) - t0)) s, testbed exit $rc" \
	    "(1: some step failed, counted below; 2: the run broke off)"
fi
[ -f "$r" ] || : > "$r"
ra_arm64=${BENCH_RESULTS_arm64:-$out/arm64/bench.results}
ra_armhf=${BENCH_RESULTS_armhf:-$out/armhf/bench.results}

# The BENCH lines of the series named, as "A B VALUE" for a figure.
series() {
	awk -v name="$1" -v a="$2" -v b="$3" -v c="$4" '
	    $1 == "BENCH" && $2 == name {
		delete v
		for (i = 3; i <= NF; i++) {
			p = index($i, "="); v[substr($i, 1, p - 1)] = substr($i, p + 1)
		}
		if (v["failed"] != 1 && v[c] != "") print v[a], v[b], v[c]
	    }' "$rf"
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


# summarise ARCH RESULTS CACHE: the section of results.txt for one
# machine's run (on stdout) and its figures ($dir, prefixed "ARCH-" but
# for x86's).
summarise() {
	rf=$2
	fp="" on=""
	[ "$1" = amd64 ] || { fp=$1-; on=" ($1)"; }
	awk -v stamp="$(date -u -r "$rf" +%Y-%m-%dT%H:%M:%SZ)" \
	    -v arch="$1" -v host="$(nproc) cores, $(uname -m)" \
	    -v versions="$(cat "$3/stamp" 2>/dev/null)" \
	    -f "$top/scripts/bench/summary.awk" "$rf"

	# Figure 1: one group per step (in the run's order), one bar per memory;
	# a step jitsud refused is drawn as "not available".
	steporder=$(awk '$1 == "BENCH" && $2 == "step" {
		for (i = 3; i <= NF; i++) if ($i ~ /^label=/) print substr($i, 7) }' "$rf")
	{
		for s in $steporder; do
			awk -v s="$s" '$1 == "BENCH" && $2 == "step" &&
			    index($0, " label=" s " ") && / avail=0/ { print s, "-", "na" }' "$rf"
			# Every memory the step was run at, "-" until a median comes.
			awk -v s="$s" '$1 == "BENCH" && $2 == "boot" &&
			    index($0, " step=" s " ") { sub(/.* mem=/, ""); sub(/ .*/, "");
			    if (!seen[$0]++) print s, $0 "MiB", "-" }' "$rf"
			series boot step mem ms | awk -v s="$s" '$1 == s' | medians |
			    awk '{ print $1, $2 "MiB", $3 }'
		done
	} | sh "$top/scripts/bench/bars-svg.sh" \
	    "httpd unikernel$on: query or create to first HTTP byte, per step (median)" \
	    "ms" > "$dir/${fp}boot-steps.svg"

	# Figure 2 is x86's; another machine's only when its run had it.
	if [ -z "$fp" ] || grep -q '^BENCH parallel ' "$rf"; then
		series parallel sys n all_ms | medians |
		    sh "$top/scripts/bench/lines-svg.sh" \
		    "N httpd unikernels at once: all serving after (median)" \
		    "guests started at once" "ms" > "$dir/${fp}parallel.svg"
		series parallel sys n all_ms | medians | awk '{ print $1, $2, int($3 / $2) }' |
		    sh "$top/scripts/bench/lines-svg.sh" \
		    "N httpd unikernels at once: time per guest (median / N)" \
		    "guests started at once" "ms per guest" > "$dir/${fp}parallel-per-guest.svg"
	fi

	series synjitsu-first-byte mode run ms | awk '{ print $1, $3 }' |
	    sh "$top/scripts/bench/cdf-svg.sh" \
	    "httpd unikernel$on: DNS query to first HTTP byte" "ms" \
	    > "$dir/${fp}synjitsu.svg"
}

# kept ARCH: ARCH's section of results.txt as it stands (x86's: the one
# not on another machine), without its trailing blank lines.
kept() {
	[ -f "$res" ] || return 0
	awk -v a="$1" '
	    /^# jitsud benchmarks/ {
		on = a == "amd64" ? $0 !~ / on arm(64|hf) / : index($0, " on " a " ") > 0
	    }
	    on { l[++n] = $0 }
	    END { while (n > 0 && l[n] == "") n--; for (i = 1; i <= n; i++) print l[i] }' "$res"
}

# A nested run rewrites its own machine's section; the other machine's
# stays as its own run left it (each says when that was).  A summary
# alone rewrites each section whose run's output is here, or with
# BENCH_ARCH only that machine's.
cache=${TESTBED_CACHE:-$top/build/cache}
redo() {
	if [ -z "${BENCH_SUMMARY_ONLY:-}" ] || [ -n "${BENCH_ARCH:-}" ]; then
		[ "$arch" = "$1" ]
	else
		[ "$1" = amd64 ] || [ -f "$2" ]
	fi
}
{
	if redo amd64 "$r" || [ -z "$(kept amd64)" ]; then
		summarise amd64 "$r" "$cache"
	else
		kept amd64
	fi
	for a in arm64 armhf; do
		eval "f=\$ra_$a"
		if redo "$a" "$f"; then
			printf '\n\n'
			summarise "$a" "$f" "$cache/$a"
		elif [ -n "$(kept "$a")" ]; then
			printf '\n\n'
			kept "$a"
		fi
	done
} > "$res.new"
mv "$res.new" "$res"
cat "$res"
