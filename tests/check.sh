#!/bin/sh
# check.sh -- run every test suite, keep going past failures, print one
# verdict line at the end ("check: N passed, M failed", suites counted).
# Usage: check.sh [SUITE...]; the default is every suite below.
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
	daemon-asan)	echo "env JITSUD_BIN=build/asan/bin bash tests/system/daemon.sh" ;;
	smoke)		echo "scripts/testbed/run.sh smoke" ;;
	smoke-arm64)	echo "env TESTBED_ARCH=arm64 scripts/testbed/run.sh smoke" ;;
	uk-arm64)	echo "env TESTBED_ARCH=arm64 scripts/testbed/run.sh uk-arm64" ;;
	uk-httpd-arm64)	echo "env TESTBED_ARCH=arm64 scripts/testbed/run.sh uk-httpd-arm64" ;;
	uk-vchan-uk-arm64) echo "env TESTBED_ARCH=arm64 scripts/testbed/run.sh uk-vchan-uk-arm64" ;;
	jitsud-xl-arm64) echo "env TESTBED_ARCH=arm64 scripts/testbed/run.sh jitsud-xl" ;;
	smoke-armhf)	echo "env TESTBED_ARCH=armhf scripts/testbed/run.sh smoke" ;;
	jitsud-xl-armhf) echo "env TESTBED_ARCH=armhf scripts/testbed/run.sh jitsud-xl" ;;
	hostnet)	echo "scripts/testbed/run.sh hostnet" ;;
	testbed-selftest) echo "sh tests/testbed/selftest.sh" ;;
	*)		echo "false unknown-suite-$1" ;;
	esac
}

# The armhf suites (smoke-armhf, jitsud-xl-armhf) and jitsud-xl-arm64
# are not in the default list: `make check-arm' runs them, after the ARM
# cross builds.
suites=${*:-"format bench-summary unit unit-asan fuzz unikernels unikernels-asan unikernels-tap unikernels-sock unikernels-conduit daemon daemon-asan nsdcmp scale install cross proc proc-asan summon summon-asan synjitsu synjitsu-asan smoke smoke-arm64 uk-arm64 uk-httpd-arm64 uk-vchan-uk-arm64 uk-testbed uk-testbed-pv uk-httpd uk-httpd-pv uk-vchan uk-vchan-pv uk-vchan-client uk-vchan-client-pv uk-vchan-uk jitsud-xl jitsud-modes jitsud-uk jitsud-vif xls jitsud-shells jitsud-xs jitsud-synjitsu jitsud-caps jitsud-conduit hostnet testbed-selftest systemd"}
# Each suite's output is also kept in build/check/SUITE.log: a CI log is
# often seen only by its last lines, so the failing lines of the failed
# suites are shown again just above the verdict.
logs=build/check
mkdir -p "$logs"
passed=0
failed=0
failures=""
for s in $suites; do
	echo "=== check: $s"
	t0=$(date +%s)
	rm -f "$logs/$s.rc"
	{ $(suite_cmd "$s") 2>&1; echo $? > "$logs/$s.rc"; } |
	    tee "$logs/$s.log"
	if [ "$(cat "$logs/$s.rc")" = 0 ]; then
		passed=$((passed + 1))
		echo "=== check: $s passed ($(($(date +%s) - t0)) s)"
	else
		failed=$((failed + 1))
		failures="$failures $s"
		echo "=== check: $s FAILED ($(($(date +%s) - t0)) s)"
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
