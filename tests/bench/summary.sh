#!/bin/sh
# summary.sh -- scripts/bench/run.sh's summary from a nested run that went
# badly (tests/bench/failed.results: failed runs in every figure, steps
# jitsud refused, a series with no good run, a run that broke off) and
# from no output at all: results.txt and every figure are written, failed
# runs are counted, not dropped, and "no data" stands where data lacks.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
work=$(mktemp -d /tmp/bench-summary.XXXXXX)
trap 'rm -rf "$work"' EXIT

# summarise RESULTS DIR [ARM64-RESULTS]: with no arm64 run unless given,
# and never an armhf run (a local build/bench/armhf must not count).
summarise() {
	BENCH_SUMMARY_ONLY=1 BENCH_RESULTS=$1 BENCH_DIR=$2 \
	    BENCH_ARCH=${BENCH_ARCH:-} \
	    BENCH_RESULTS_arm64=${3:-$work/none} \
	    BENCH_RESULTS_armhf=$work/none \
	    sh "$top/scripts/bench/run.sh" > /dev/null
}

figures_written() {
	for f in results.txt boot-steps.svg parallel.svg \
	    parallel-per-guest.svg synjitsu.svg; do
		[ -s "$1/$f" ] || return 1
	done
	for f in "$1"/*.svg; do
		grep -q '</svg>' "$f" || return 1
	done
}

check "fixture: summary runs" summarise "$top/tests/bench/failed.results" \
    "$work/f"
res=$work/f/results.txt
check "fixture: results and figures written" figures_written "$work/f"
check "fixture: the broken-off run is said" grep -q '^# INCOMPLETE RUN' "$res"
check "fixture: a step's failed run counted, median over the good ones" \
    grep -q '^xl-stock 4 3 1 2650 ' "$res"
check "fixture: dom0's CPU per figure 3 mode, medians of the good runs" \
    grep -q '^cpu syn 2 520 80 20 35 80 5 170 55$' "$res"
check "fixture: the frames through a burst's vifs, a guest" \
    eval "grep -q '^jitsud 1 14 9\$' '$res' &&
     grep -q '^jitsud 8 35 9\$' '$res'"
check "fixture: where a burst's time went, a row per system and N" \
    eval "grep -q '^jitsud 1 1 60 20 10 70 130 20\$' '$res' &&
     grep -q '^jitsud 8 1 500 0 80 600 800 170\$' '$res'"
check "fixture: the guests' own CPU in a burst, the run's and a guest's" \
    eval "grep -q '^jitsud 1 1 31 31 0\$' '$res' &&
     grep -q '^jitsud 8 1 360 45 0\$' '$res'"
check "fixture: a run whose CPU window was late is said, left out" \
    grep -q "^# (1 run(s) left out: their window missed servewait's word)" "$res"
check "fixture: a figure 3 mode without CPU lines has no CPU row" \
    eval "! grep -q '^cpu hold' '$res'"
check "fixture: a series with no good run says so" \
    grep -q '^jitsud-script 256 1 1 no-data' "$res"
check "fixture: a refused step is not available" \
    grep -q '^jitsud-inline not available' "$res"
check "fixture: the figure draws it so" \
    grep -q 'not available' "$work/f/boot-steps.svg"
check "fixture: a failed parallel run counted" \
    grep -q '^xl 2 1 1 no-data' "$res"
check "fixture: a failed Synjitsu run counted, SYN retransmits summed" \
    grep -q '^syn 3 1 1500 1600 1600 1 1' "$res"
check "fixture: a mode never run says no data" grep -q '^lost no data' "$res"
check "fixture: the failed runs kept in the raw lines" \
    grep -q 'failed=1 why=timeout_serve' "$res"
check "fixture: cold boots and failures counted" \
    grep -q '^# cold boots: 61, failed runs among them: 7' "$res"
check "fixture: the warm-up bursts said apart from figure 2" sh -c \
    "grep -q '^jitsud 4 2000\$' '$res' &&
    grep -q '^xl 4 failed(timeout_serve)\$' '$res' &&
    ! grep -q '^jitsud 4 1 ' '$res'"
check "fixture: every target has a verdict" eval \
    "[ \$(grep -c '^target: ' '$res') -eq 11 ] &&
    ! grep '^target: ' '$res' | grep -vq ': holds\|: does not hold\|: no data'"
check "fixture: 1/3 target computed" grep -q \
    'at most 1/3 .*does not hold (jitsud-script 1725 ms / xl-stock 2650 ms = 0.65)' \
    "$res"
check "fixture: DNS round trips pooled, each window's samples and p90" eval \
    "grep -qx 'dns idle 320 1400 2100 4000 5200' '$res' &&
    grep -qx 'dns build 318 1500 6000 12000 20000' '$res'"
check "fixture: the DNS bursts counted apart from figure 2, the failed one said" \
    grep -qx 'dns-bursts 2 1 9500  # failed: timeout_serve(served=7)' "$res"
check "fixture: no ping in the run says no data" \
    grep -qx 'ping build no data' "$res"
check "fixture: DNS target from the pooled p99" grep -q \
    'at most 2x idle: does not hold (12000 us / 4000 us = 3.00, 2 runs pooled' \
    "$res"

: > "$work/empty.results"
check "empty: summary runs" summarise "$work/empty.results" "$work/e"
check "empty: results and figures written" figures_written "$work/e"
check "empty: figures say no data" eval \
    "grep -q 'no data' '$work/e/boot-steps.svg' &&
    grep -q 'no data' '$work/e/parallel.svg' &&
    grep -q 'no data' '$work/e/synjitsu.svg'"
# An arm64 run beside x86's: a section of its own after x86's, its
# figures apart, its Linux-against-unikernel ratio and targets.
check "arm64: summary runs" summarise "$top/tests/bench/failed.results" \
    "$work/a" "$top/tests/bench/arm64.results"
res=$work/a/results.txt
check "arm64: x86's section first, then arm64's" eval \
    "grep '^# jitsud benchmarks on' '$res' | cut -d' ' -f5 | tr '\n' ' ' |
    grep -qx 'x86_64 arm64 '"
check "arm64: its figures written apart" eval \
    "[ -s '$work/a/arm64-boot-steps.svg' ] &&
    [ -s '$work/a/arm64-synjitsu.svg' ] && figures_written '$work/a'"
check "arm64: no figure 2 drawn for a run without it" \
    test ! -e "$work/a/arm64-parallel.svg"
check "arm64: nor its section, only x86's" eval \
    "[ \$(grep -c '^## Figure 2' '$res') -eq 1 ]"
check "arm64: the figures name the machine" \
    grep -q 'httpd unikernel (arm64)' "$work/a/arm64-boot-steps.svg"
check "arm64: Linux guest against the unikernel, medians of good runs" \
    grep -q '^# Linux guest / httpd unikernel.*: 5.00 (Linux 128 MiB 2500 ms, unikernel 4 MiB 500 ms)' \
    "$res"
check "arm64: x86's fixture has no Linux series" \
    grep -q '^# Linux guest / httpd unikernel.*: no data' "$res"
check "arm64: a step jitsud refuses on ARM is not available" \
    grep -q '^jitsud-shells not available (jitsud.conf:6:_shells' "$res"
check "arm64: its targets computed" grep -q \
    'at most 0.6x .*does not hold (jitsud-inline 320 ms / xl-vif-jitsu 500 ms = 0.64)' \
    "$res"
check "arm64: its failed run counted" \
    grep -q '^xl-vif-jitsu 4 2 1 500 ' "$res"

# A machine's section is rewritten by its own run only: summarising
# arm64's again keeps x86's as it was, and the other way round.
cp "$work/a/results.txt" "$work/a/before.txt"
x86_section() {
	sed -n '/^# jitsud benchmarks on x86_64/,/^# jitsud benchmarks on arm64/p' \
	    "$1" | sed '$d'
}
check "keep: arm64 summarised again" eval \
    "BENCH_ARCH=arm64 summarise '$work/empty.results' '$work/a' \
    '$top/tests/bench/arm64.results'"
check "keep: x86's section kept as it was" eval \
    "x86_section '$work/a/before.txt' > '$work/x1' &&
    x86_section '$work/a/results.txt' > '$work/x2' &&
    grep -q '^xl-stock 4 3 1 2650 ' '$work/x2' && cmp -s '$work/x1' '$work/x2'"
check "keep: x86 summarised again keeps arm64's" eval \
    "BENCH_ARCH=amd64 summarise '$work/empty.results' '$work/a' '$work/none' &&
    grep -q '^jitsud-inline 4 2 0 320 ' '$work/a/results.txt' &&
    ! grep -q '^xl-stock 4 3 1 2650 ' '$work/a/results.txt'"

# A machine without the host's client (armhf) measures figure 1 from
# dom0's namespace, and its section says so.
printf 'BENCH fig1-conf client=dom0\nBENCH done pieces=fig1\n' \
    > "$work/dom0.results"
check "dom0 client: figure 1 says where its client was" eval \
    "summarise '$work/dom0.results' '$work/d' &&
    grep -q '^## client: curl in a namespace of the emulated dom0' \
    '$work/d/results.txt'"
check "host client: figure 1 says so" \
    grep -q '^## client: curl on the host' "$work/f/results.txt"

finish bench-summary
