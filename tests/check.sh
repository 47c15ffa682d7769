#!/bin/sh
# check.sh -- run every test suite, keep going past failures, print one
# verdict line at the end ("check: N passed, M failed", suites counted).
# Usage: check.sh [SUITE...]; the default is every suite below.
# CHECK_JOBS (default 2 where there are 2 CPUs or more, else 1): with 2,
# the suites that run on the host alone (unit tests, fuzzing, the host
# system tests) run beside the ones that boot the emulated x86 machine.
# That machine is one TCG thread (run.sh: thread=single), so it keeps one
# CPU and the host suites get the other; the suites that want both CPUs
# (the arm64 machine, the systemd guest, both multi-threaded TCG) wait
# until the host suites are done, as does anything else machine-wide
# (cross.sh rebuilds build/arm64, which the arm64 machine's dom0 copies).
set -u
cd "$(dirname "$0")/.."
MAKE=${MAKE:-make}

suite_cmd() {
	case $1 in
	format)		echo "sh scripts/format.sh --check" ;;
	bench-summary)	echo "sh tests/bench/summary.sh" ;;
	unit)		echo "$MAKE --no-print-directory unit" ;;
	unit-asan)	echo "$MAKE --no-print-directory unit SANITIZE=1" ;;
	fuzz)		echo "$MAKE --no-print-directory fuzz-check" ;;
	unikernels)	echo "$MAKE --no-print-directory -C unikernels check" ;;
	unikernels-asan) echo "$MAKE --no-print-directory -C unikernels check SANITIZE=1" ;;
	unikernels-tap)	echo "$MAKE --no-print-directory -C unikernels tap-check" ;;
	unikernels-sock) echo "$MAKE --no-print-directory -C unikernels sock-check" ;;
	unikernels-conduit) echo "$MAKE --no-print-directory -C unikernels conduit-check" ;;
	uk-testbed)	echo "scripts/testbed/run.sh uk/selftests" ;;
	uk-testbed-pv)	echo "scripts/testbed/run.sh uk/selftests-pv" ;;
	daemon)		echo "bash tests/system/daemon.sh" ;;
	install)	echo "sh tests/system/install.sh" ;;
	cross)		echo "sh tests/system/cross.sh" ;;
	nsdcmp)		echo "sh tests/system/nsdcmp.sh" ;;
	scale)		echo "sh tests/system/scale.sh" ;;
	systemd)	echo "sh tests/system/systemd.sh" ;;
	proc)		echo "sh tests/system/proc.sh" ;;
	proc-asan)	echo "env SANITIZE=1 sh tests/system/proc.sh" ;;
	summon)		echo "sh tests/system/summon.sh" ;;
	summon-asan)	echo "env JITSUD_BIN=build/asan/bin sh tests/system/summon.sh" ;;
	synjitsu)	echo "sh tests/system/synjitsu.sh" ;;
	synjitsu-asan)	echo "env JITSUD_BIN=build/asan/bin sh tests/system/synjitsu.sh" ;;
	jitsud-xl)	echo "scripts/testbed/run.sh jitsud-xl" ;;
	jitsud-modes)	echo "scripts/testbed/run.sh jitsud-modes" ;;
	uk-httpd)	echo "scripts/testbed/run.sh uk-httpd" ;;
	uk-httpd-pv)	echo "scripts/testbed/run.sh uk-httpd-pv" ;;
	uk-vchan)	echo "scripts/testbed/run.sh uk-vchan" ;;
	uk-vchan-pv)	echo "scripts/testbed/run.sh uk-vchan-pv" ;;
	uk-vchan-client) echo "scripts/testbed/run.sh uk-vchan-client" ;;
	uk-vchan-client-pv) echo "scripts/testbed/run.sh uk-vchan-client-pv" ;;
	uk-vchan-uk)	echo "scripts/testbed/run.sh uk-vchan-uk" ;;
	uk-conduit)	echo "scripts/testbed/run.sh uk-conduit" ;;
	jitsud-uk)	echo "scripts/testbed/run.sh jitsud-uk" ;;
	jitsud-xs)	echo "scripts/testbed/run.sh jitsud-xs" ;;
	jitsud-vif)	echo "scripts/testbed/run.sh jitsud-vif" ;;
	xls)		echo "scripts/testbed/run.sh xls" ;;
	jitsud-shells) echo "scripts/testbed/run.sh jitsud-shells" ;;
	jitsud-synjitsu) echo "scripts/testbed/run.sh jitsud-synjitsu" ;;
	jitsud-caps)	echo "scripts/testbed/run.sh jitsud-caps" ;;
	jitsud-conduit)	echo "scripts/testbed/run.sh jitsud-conduit" ;;
	# Debian's init script starts oxenstored where it is installed (it
	# is, with xen-utils-4.17): the suites whose XenStore traffic is
	# jitsud's own run there too (conduit is what differed there).
	jitsud-conduit-oxenstored | jitsud-shells-oxenstored | \
	    jitsud-synjitsu-oxenstored | xls-oxenstored)
		echo "env TESTBED_XENSTORED=oxenstored scripts/testbed/run.sh ${1%-oxenstored}" ;;
	daemon-asan)	echo "env JITSUD_BIN=build/asan/bin bash tests/system/daemon.sh" ;;
	smoke)		echo "scripts/testbed/run.sh smoke" ;;
	smoke-arm64)	echo "env TESTBED_ARCH=arm64 scripts/testbed/run.sh smoke" ;;
	uk-arm64)	echo "env TESTBED_ARCH=arm64 scripts/testbed/run.sh uk-arm64" ;;
	uk-httpd-arm64)	echo "env TESTBED_ARCH=arm64 scripts/testbed/run.sh uk-httpd-arm64" ;;
	uk-vchan-uk-arm64) echo "env TESTBED_ARCH=arm64 scripts/testbed/run.sh uk-vchan-uk-arm64" ;;
	jitsud-arm64)	echo "env TESTBED_ARCH=arm64 scripts/testbed/run.sh jitsud-arm64" ;;
	jitsud-xl-arm64) echo "env TESTBED_ARCH=arm64 scripts/testbed/run.sh jitsud-xl" ;;
	smoke-armhf)	echo "env TESTBED_ARCH=armhf scripts/testbed/run.sh smoke" ;;
	jitsud-xl-armhf) echo "env TESTBED_ARCH=armhf scripts/testbed/run.sh jitsud-xl" ;;
	uk-armhf)	echo "env TESTBED_ARCH=armhf scripts/testbed/run.sh uk-armhf" ;;
	uk-httpd-armhf)	echo "env TESTBED_ARCH=armhf scripts/testbed/run.sh uk-httpd-armhf" ;;
	uk-vchan-uk-armhf) echo "env TESTBED_ARCH=armhf scripts/testbed/run.sh uk-vchan-uk-armhf" ;;
	jitsud-armhf)	echo "env TESTBED_ARCH=armhf scripts/testbed/run.sh jitsud-armhf" ;;
	hostnet)	echo "scripts/testbed/run.sh hostnet" ;;
	testbed-selftest) echo "sh tests/testbed/selftest.sh" ;;
	*)		echo "false unknown-suite-$1" ;;
	esac
}

# The armhf suites (smoke-armhf, jitsud-xl-armhf, uk-armhf,
# uk-httpd-armhf, uk-vchan-uk-armhf, jitsud-armhf) and jitsud-xl-arm64
# are not in the default list: `make check-arm' runs them, after the ARM
# cross builds.
suites=${*:-"format bench-summary unit unit-asan fuzz unikernels unikernels-asan unikernels-tap unikernels-sock unikernels-conduit daemon daemon-asan nsdcmp scale install cross proc proc-asan summon summon-asan synjitsu synjitsu-asan smoke smoke-arm64 uk-arm64 uk-httpd-arm64 uk-vchan-uk-arm64 jitsud-arm64 uk-testbed uk-testbed-pv uk-httpd uk-httpd-pv uk-vchan uk-vchan-pv uk-vchan-client uk-vchan-client-pv uk-vchan-uk jitsud-xl jitsud-modes jitsud-uk jitsud-vif xls jitsud-shells jitsud-xs jitsud-synjitsu jitsud-caps jitsud-conduit jitsud-conduit-oxenstored jitsud-shells-oxenstored jitsud-synjitsu-oxenstored xls-oxenstored hostnet testbed-selftest systemd"}
# host_suite S: S runs on the host alone (no emulated machine).
host_suite() {
	case $(suite_cmd "$1") in
	*scripts/testbed/run.sh*) return 1 ;;
	esac
	case $1 in
	systemd|testbed-selftest) return 1 ;;
	esac
	return 0
}

# whole_suite S: S's machine runs on every CPU (multi-threaded TCG).
whole_suite() {
	case $1 in
	*-arm64|*-armhf|systemd) return 0 ;;
	esac
	return 1
}

# Each suite's output is also kept in build/check/SUITE.log: a CI log is
# often seen only by its last lines, so the failing lines of the failed
# suites are shown again just above the verdict.
logs=build/check
mkdir -p "$logs"
jobs=${CHECK_JOBS:-}
if [ -z "$jobs" ]; then
	jobs=1
	[ "$(nproc 2>/dev/null || echo 1)" -ge 2 ] && jobs=2
fi

# run_suite S: run S, keep its output and exit status in $logs.  One
# lane shows the output as it comes; with two lanes, each suite's output
# is shown whole when it ends (under a lock), so the two never mix.
run_suite() {
	_t0=$(date +%s)
	rm -f "$logs/$1.rc"
	if [ "$jobs" -eq 1 ]; then
		echo "=== check: $1"
		{ $(suite_cmd "$1") 2>&1; echo $? > "$logs/$1.rc"; } |
		    tee "$logs/$1.log"
	else
		flock "$logs/.out" echo "=== check: $1 started"
		{ ${lane_nice:-} $(suite_cmd "$1") > "$logs/$1.log" 2>&1 \
		    < /dev/null; echo $? > "$logs/$1.rc"; }
	fi
	if [ "$(cat "$logs/$1.rc")" = 0 ]; then
		_v="passed ($(($(date +%s) - _t0)) s)"
	else
		_v="FAILED ($(($(date +%s) - _t0)) s)"
	fi
	if [ "$jobs" -eq 1 ]; then
		echo "=== check: $1 $_v"
	else
		flock "$logs/.out" sh -c 'echo "=== check: $1"; cat "$2";
		    echo "=== check: $1 $3"' sh "$1" "$logs/$1.log" "$_v"
	fi
}

if [ "$jobs" -eq 1 ]; then
	for s in $suites; do
		run_suite "$s"
	done
else
	host=""
	machine=""
	whole=""
	for s in $suites; do
		if host_suite "$s"; then
			host="$host $s"
		elif whole_suite "$s"; then
			whole="$whole $s"
		else
			machine="$machine $s"
		fi
	done
	echo "check: 2 lanes: the host suites beside the x86 machine's," \
	    "then the whole-machine ones (CHECK_JOBS=1: one at a time)"
	rm -f "$logs/.out"
	# The host lane has time to spare and the machine's is the long
	# one: the host suites yield the CPU to QEMU when both want it
	# (beside them a nested suite took up to 1.7 times as long).
	(
		lane_nice="nice -n 10"
		for s in $host; do
			run_suite "$s"
		done
	) &
	lane=$!
	for s in $machine; do
		run_suite "$s"
	done
	wait "$lane"
	for s in $whole; do
		run_suite "$s"
	done
fi

passed=0
failed=0
failures=""
for s in $suites; do
	if [ "$(cat "$logs/$s.rc" 2>/dev/null)" = 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures="$failures $s"
	fi
done
for s in $failures; do
	echo "=== check: $s, failing lines (all in $logs/$s.log):"
	# A failed step's own output follows its FAIL line: show up to 15
	# lines of it, which usually say why (a CI log may be all there is).
	awk '/^=== check/ { next }
	    /(^|[] ])FAIL / { ctx = 15; print; next }
	    ctx > 0 { ctx--; print "  " $0; next }
	    /FAIL|ERROR|not ok|[Ee]rror:|TIMEOUT/ { print }' "$logs/$s.log" |
	    tail -n 60
done
[ -n "$failures" ] && echo "check: failed suites:$failures"
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
