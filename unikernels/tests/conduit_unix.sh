#!/bin/sh
# conduit_unix.sh -- host system test: uk_conduit on unix-sock, no Xen
#
# The same two programs as tests/xen/uk-conduit.sh, as processes: the
# echo app (echo.unix jitsu.conduit=echo.test,spare.test) serves the unix
# stream socket $JITSU_CONDUIT_DIR/echo.test, and the conduit test
# client (conduit.unix conduit=Echo.Test.) sends 1 MiB through it and
# checks the echo.  Checks: three clients one after the other and three
# at once all say SUCCESS; a name nobody serves fails with -UK_ENOENT (-2)
# and one whose socket nobody accepts on (the server killed) with
# -UK_ECONNREFUSED (-111); a second server of the same name replaces the
# dead one's socket; SIGTERM ends the echo, which counts the conduits it
# served.  Needs no root.
# Prints `uk-conduit-unix: N passed, M failed`; exits non-zero on any
# failure.
#
# Environment: UK_IMGDIR (default build/unikernels).

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
img=${UK_IMGDIR:-$top/build/unikernels}
tmp=$(mktemp -d)
JITSU_CONDUIT_DIR=$tmp/conduit
export JITSU_CONDUIT_DIR
mkdir "$JITSU_CONDUIT_DIR"
passed=0
failed=0
srv_pid=

ok() {
	echo "PASS $1"
	passed=$((passed + 1))
}

ko() {
	echo "FAIL $1: $2"
	failed=$((failed + 1))
}

cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# start_echo LOG: the server, until it says it serves echo.test.
start_echo() {
	"$img/echo.unix" jitsu.conduit=echo.test,spare.test > "$1" 2>&1 &
	srv_pid=$!
	_i=0
	while ! grep -q "serving conduit echo.test" "$1"; do
		_i=$((_i + 1))
		[ "$_i" -lt 50 ] || return 1
		sleep 0.1
	done
}

# client NAME LOG: one client run, its exit status.
client() {
	timeout 30 "$img/conduit.unix" "conduit=$1" > "$2" 2>&1
}

if start_echo "$tmp/echo1.log" && [ -S "$JITSU_CONDUIT_DIR/echo.test" ]; then
	ok "server-listens-on-socket"
else
	ko "server-listens-on-socket" "no $JITSU_CONDUIT_DIR/echo.test"
	cat "$tmp/echo1.log"
	exit 1
fi

for i in 1 2 3; do
	if client Echo.Test. "$tmp/cli$i.log" &&
	    grep -q "1048576 bytes echoed intact" "$tmp/cli$i.log" &&
	    grep -q "conduit: SUCCESS" "$tmp/cli$i.log"; then
		ok "client-$i-1mib-intact"
	else
		ko "client-$i-1mib-intact" "$(cat "$tmp/cli$i.log")"
	fi
done

pids=
for i in 4 5 6; do
	client echo.test "$tmp/cli$i.log" &
	pids="$pids $!"
done
n=0
for p in $pids; do
	wait "$p" && n=$((n + 1))
done
if [ "$n" = 3 ] && grep -q "conduit: SUCCESS" "$tmp/cli4.log" &&
    grep -q "conduit: SUCCESS" "$tmp/cli5.log" &&
    grep -q "conduit: SUCCESS" "$tmp/cli6.log"; then
	ok "three-clients-at-once"
else
	ko "three-clients-at-once" "$n of 3 succeeded"
fi

if ! client nobody.test "$tmp/nobody.log" &&
    grep -q "conduit: stopped after 0 sent, 0 back (-2)" "$tmp/nobody.log"; then
	ok "unknown-name-enoent"
else
	ko "unknown-name-enoent" "$(cat "$tmp/nobody.log")"
fi

kill -TERM "$srv_pid"
wait "$srv_pid"
rc=$?
srv_pid=
if [ "$rc" = 0 ] && grep -q "conduits served 6$" "$tmp/echo1.log"; then
	ok "sigterm-counts-6-served"
else
	ko "sigterm-counts-6-served" "status $rc; $(grep served "$tmp/echo1.log")"
fi

# A server that dies without cleaning up leaves its socket file.
"$img/echo.unix" jitsu.conduit=echo.test > "$tmp/echo2.log" 2>&1 &
p=$!
sleep 0.5
kill -KILL "$p"
wait "$p" 2> /dev/null
if [ -S "$JITSU_CONDUIT_DIR/echo.test" ] &&
    ! client echo.test "$tmp/refused.log" &&
    grep -q "(-111)" "$tmp/refused.log"; then
	ok "dead-server-refused"
else
	ko "dead-server-refused" "$(cat "$tmp/refused.log")"
fi

if start_echo "$tmp/echo3.log" && client echo.test "$tmp/cli7.log" &&
    grep -q "conduit: SUCCESS" "$tmp/cli7.log"; then
	ok "new-server-replaces-stale-socket"
else
	ko "new-server-replaces-stale-socket" "$(cat "$tmp/echo3.log")"
fi

echo "uk-conduit-unix: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
