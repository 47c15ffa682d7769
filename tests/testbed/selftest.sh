#!/bin/sh
# selftest.sh -- the harness must fail loudly, with the evidence, in bounded
# time.  First the assertion library (tests/lib.sh) and the dom0's step
# runner built on it (scripts/testbed/tb.sh), run here on the host: a
# failing check or step is a FAIL line that says what was expected and
# what was seen, and a non-zero exit.  The host client's plumbing
# (hostnet.sh, hostcmd.sh) in a namespace of its own: stale state is
# replaced, only clients run, and the reply reaches "dom0".  Then the
# testbed on nested Xen: on a broken guest config, on a guest that never
# answers, and on a QEMU that hangs; each case runs the real harness and
# checks its report.
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

# has PATTERN: a line of the last run's output matches (grep -E).
has() {
	grep -Eq -- "$1" "$out.log"
}

mkdir -p "$out"

echo "selftest: the assertion library"
sh -c '. "$1/tests/lib.sh"
	check "true holds" true
	check "false holds" sh -c "echo the evidence; exit 3"
	check_not "false fails" false
	check_eq "one is one" 1 1
	check_eq "one is two" 1 2
	finish lib-selftest' sh "$top" > "$out.log" 2>&1
rc=$?
sed 's/^/    | /' "$out.log"
check_eq "a suite with failed checks exits 1" 1 "$rc"
check "a passing check is one PASS line" has '^PASS true holds$'
check "a failing check says what it expected and saw, then the output" \
    eval 'has "^FAIL false holds: expected success of: sh -c .*, saw exit status 3$" &&
    has "^    \| the evidence$"'
check "check_eq shows both values" \
    has "^FAIL one is two: expected '1', saw '2'$"
check "the suite closes with its count" \
    has '^lib-selftest: 3 passed, 2 failed$'

echo "selftest: the dom0 step runner (tb.sh), outside dom0"
TB_LIB=$top/tests/lib.sh TB_TMP=$out sh -c '. "$1/scripts/testbed/tb.sh"
	tb_step quick 5 true
	tb_step exits-3 5 sh -c "echo the evidence; exit 3"
	tb_step sleeps 1 sleep 10
	tb_expect_fail must-fail 5 false
	tb_expect_fail must-fail-but-passes 5 true
	summary tb-selftest' sh "$top" > "$out.log" 2>&1
rc=$?
sed 's/^/    | /' "$out.log"
check_eq "steps that failed make the count fail" 1 "$rc"
check "a step that succeeds is a PASS line with its time" \
    has '^@@TB PASS quick ms=[0-9]+$'
check "a step that fails names its exit status, then shows its output" \
    eval 'has "^@@TB FAIL exits-3: expected success within 5s, saw exit status 3 after [0-9]+ ms$" &&
    has "^@@TB LOG output of step exits-3$" && has "^the evidence$"'
check "a step over its bound is killed and named a timeout" \
    has '^@@TB FAIL sleeps: expected success within 1s, saw a timeout after 1000 ms$'
check "an expected failure passes, and one that succeeds fails" \
    eval 'has "^@@TB PASS must-fail ms=[0-9]+ \(failed as expected: exit status 1 after [0-9]+ ms\)$" &&
    has "^@@TB FAIL must-fail-but-passes: expected failure within 5s, saw success$"'
check "the count has every step" has '^tb-selftest: 2 passed, 3 failed$'

echo "selftest: the host client's plumbing (hostnet.sh, hostcmd.sh), no QEMU"
# hn FUNCTION...: a hostnet.sh function, as run.sh calls it, on a
# namespace of the self-test's own.
HOSTNET_NS=jt-tbself
export HOSTNET_NS
hn() {
	bash -c '. "$1/scripts/testbed/hostnet.sh"; shift; "$@"' sh "$top" "$@"
}
# hostcmd ID CMD...: one request, answered to a listener that stands in
# for dom0's (10.0.0.1 on the namespace's loopback: nothing leaves it).
hostcmd() {
	rm -f "$out/reply"
	ip netns exec jt-tbself busybox nc -l -p 7070 > "$out/reply" &
	_l=$!
	sleep 0.3
	ip netns exec jt-tbself "$top/scripts/testbed/hostcmd.sh" "$@" \
	    > "$out.log" 2>&1
	wait $_l
	sed 's/^/    | /' "$out.log" "$out/reply"
}
if [ "$(id -u)" = 0 ]; then
	hn hostnet_up
	check "a stale host namespace is replaced by a fresh one" hn hostnet_up
	ip -n jt-tbself addr add 10.0.0.1/32 dev lo
	hostcmd 0123abcd sh -c true
	check "a command that is not a client is refused" \
	    grep -q "^HOST id=0123abcd rc=127 ms=0 sh -c true$" "$out.log"
	check "... and dom0 is told so" eval \
	    'head -n 1 "$out/reply" | grep -qx "0123abcd 127 0" &&
	    grep -q "not an allowed client" "$out/reply"'
	hostcmd 0123abce ping -c 1 -w 2 10.0.0.1
	check "a client runs in the namespace; its status and time reach dom0" \
	    eval 'head -n 1 "$out/reply" | grep -Eqx "0123abce 0 [0-9]+" &&
	    grep -q "1 received" "$out/reply"'
	hn hostnet_down
	check_not "nothing is left behind" eval \
	    'ip netns list | grep -q jt-tbself || test -e /etc/netns/jt-tbself'
else
	echo "selftest: not root, the host client's plumbing is not tested"
fi

echo "selftest: broken config and silent guest"
harness selftest-failures
check_eq "failing steps make the run fail (rc=1)" 1 "$rc"
check "broken config is reported with xl's reason" \
    eval 'has "FAIL broken-config: expected success within 30s, saw exit status" &&
    has "does-not-exist"'
check "silent guest times out within its 15 s bound" \
    has 'FAIL silent-ping: expected success within 15s, saw a timeout after 15000 ms'
check "the silent guest's console is shown" \
    eval 'has "^----- console guest-silent" && has "baseline: no jitsu.ip"'
check "the run closes with its count" \
    has '^selftest-failures: 1 passed, 2 failed$'
check "the whole failing run took under 180 s (took ${secs}s)" \
    test "$secs" -lt 180

echo "selftest: QEMU hang"
TESTBED_QEMU_EXTRA=-S TESTBED_STALL=15 harness smoke
check_eq "a hung QEMU is a testbed error (rc=2)" 2 "$rc"
check "the hang is named" \
    has 'TESTBED ERROR: hung: no console output for 15s'
check "... and counted as a failure" \
    has '^smoke: 0 passed, 1 failed \(testbed error\)$'
check "the hang is detected within 60 s (took ${secs}s)" test "$secs" -lt 60

finish testbed-selftest
