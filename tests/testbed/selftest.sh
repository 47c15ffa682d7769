#!/bin/sh
# selftest.sh -- the testbed must fail loudly, with the evidence, in bounded
# time: on a broken guest config, on a guest that never answers, and on a
# QEMU that hangs.  Each case runs the real harness and checks its report.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/testbed-selftest
. "$top/tests/lib.sh"

# Run the harness; keep its output and exit status, and how long it took.
harness() {
	t0=$(date +%s)
	TESTBED_OUT=$out "$top/scripts/testbed/run.sh" "$@" > "$out.log" 2>&1
	rc=$?
	secs=$(($(date +%s) - t0))
	sed 's/^/    | /' "$out.log" | grep -v '^    |   ' | tail -n 40
}

mkdir -p "$out"

echo "selftest: broken config and silent guest"
harness selftest-failures
check "failing steps make the run fail (rc=1)" '[ $rc -eq 1 ]'
check "broken config is reported with xl's reason" \
    'grep -q "FAIL broken-config" "$out.log" && grep -q "does-not-exist" "$out.log"'
check "silent guest times out within its 15 s bound" \
    'grep -q "FAIL silent-ping ms=15000 rc=124 (timed out after 15s)" "$out.log"'
check "the silent guest's console is shown" \
    'grep -q "^----- console guest-silent" "$out.log" && grep -q "baseline: no jitsu.ip" "$out.log"'
check "the whole failing run took under 180 s (took ${secs}s)" '[ $secs -lt 180 ]'

echo "selftest: QEMU hang"
TESTBED_QEMU_EXTRA=-S TESTBED_STALL=15 harness smoke
check "a hung QEMU is a testbed error (rc=2)" '[ $rc -eq 2 ]'
check "the hang is named" \
    'grep -q "TESTBED ERROR: hung: no console output for 15s" "$out.log"'
check "the hang is detected within 60 s (took ${secs}s)" '[ $secs -lt 60 ]'

finish testbed-selftest
