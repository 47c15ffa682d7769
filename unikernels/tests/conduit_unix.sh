#!/bin/sh
# conduit_unix.sh -- host system test: uk_conduit on the unix targets, no Xen
#
# The same two programs as tests/xen/uk-conduit.sh, as processes: the
# echo app (echo.EXT jitsu.conduit=echo.test,spare.test) serves the unix
# stream socket $JITSU_CONDUIT_DIR/echo.test, and the conduit test
# client (conduit.EXT conduit=Echo.Test.) sends 1 MiB through it and
# checks the echo.  The checks run once with echo.unix (unix-sock) and
# once with echo.tap (unix-tap, no TAP device: a conduit-only echo
# brings up no network) as the server, each serving conduit.unix and
# conduit.tap clients in turn, so each platform's transport talks to
# its own and to the other's.  Checks: three clients one after the
# other and three at once all say SUCCESS; a name nobody serves fails
# with -UK_ENOENT (-2) and one whose socket nobody accepts on (the server
# killed) with -UK_ECONNREFUSED (-111); a second server of the same name
# replaces the dead one's socket; SIGTERM ends the echo, which counts the
# conduits it served.  Needs no root.
# Prints `uk-conduit-unix: N passed, M failed`; exits non-zero on any
# failure.
#
# Environment: UK_IMGDIR (default build/unikernels).

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
img=${UK_IMGDIR:-$top/build/unikernels}
tmp=$(mktemp -d)
passed=0
failed=0
srv_pid=

ok() {
	echo "PASS $srv-$1"
	passed=$((passed + 1))
}

ko() {
	echo "FAIL $srv-$1: $2"
	failed=$((failed + 1))
}

cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# start_echo LOG: the server, until it says it serves echo.test.
start_echo() {
	"$img/echo.$srv" jitsu.conduit=echo.test,spare.test > "$1" 2>&1 &
	srv_pid=$!
	_i=0
	while ! grep -q "serving conduit echo.test" "$1"; do
		_i=$((_i + 1))
		[ "$_i" -lt 50 ] || return 1
		sleep 0.1
	done
}

# client I NAME LOG: client I's run, its exit status.  The clients take
# turns among the image suffixes of $clients.
client() {
	set -- "$@" $clients
	_k=$((($1 - 1) % ($# - 3) + 4))
	eval "_ext=\${$_k}"
	echo "client conduit.$_ext" > "$3"
	timeout 30 "$img/conduit.$_ext" "conduit=$2" >> "$3" 2>&1
}

# suite SRV CLIENTS: every check against echo.SRV.
suite() {
	srv=$1
	clients=$2
	d=$tmp/$srv
	JITSU_CONDUIT_DIR=$d/conduit
	export JITSU_CONDUIT_DIR
	mkdir -p "$JITSU_CONDUIT_DIR"

	if start_echo "$d/echo1.log" &&
	    [ -S "$JITSU_CONDUIT_DIR/echo.test" ]; then
		ok "server-listens-on-socket"
	else
		ko "server-listens-on-socket" \
		    "no $JITSU_CONDUIT_DIR/echo.test: $(cat "$d/echo1.log")"
		kill "$srv_pid" 2> /dev/null
		srv_pid=
		return
	fi

	for i in 1 2 3; do
		if client "$i" Echo.Test. "$d/cli$i.log" &&
		    grep -q "1048576 bytes echoed intact" "$d/cli$i.log" &&
		    grep -q "conduit: SUCCESS" "$d/cli$i.log"; then
			ok "client-$i-1mib-intact"
		else
			ko "client-$i-1mib-intact" "$(cat "$d/cli$i.log")"
		fi
	done

	pids=
	for i in 4 5 6; do
		client "$i" echo.test "$d/cli$i.log" &
		pids="$pids $!"
	done
	n=0
	for p in $pids; do
		wait "$p" && n=$((n + 1))
	done
	if [ "$n" = 3 ] && grep -q "conduit: SUCCESS" "$d/cli4.log" &&
	    grep -q "conduit: SUCCESS" "$d/cli5.log" &&
	    grep -q "conduit: SUCCESS" "$d/cli6.log"; then
		ok "three-clients-at-once"
	else
		ko "three-clients-at-once" "$n of 3 succeeded"
	fi

	if ! client 1 nobody.test "$d/nobody.log" &&
	    grep -q "conduit: stopped after 0 sent, 0 back (-2)" \
		"$d/nobody.log"; then
		ok "unknown-name-enoent"
	else
		ko "unknown-name-enoent" "$(cat "$d/nobody.log")"
	fi

	kill -TERM "$srv_pid"
	wait "$srv_pid"
	rc=$?
	srv_pid=
	if [ "$rc" = 0 ] && grep -q "conduits served 6$" "$d/echo1.log"; then
		ok "sigterm-counts-6-served"
	else
		ko "sigterm-counts-6-served" \
		    "status $rc; $(grep served "$d/echo1.log")"
	fi

	# A server that dies without cleaning up leaves its socket file.
	"$img/echo.$srv" jitsu.conduit=echo.test > "$d/echo2.log" 2>&1 &
	p=$!
	sleep 0.5
	kill -KILL "$p"
	wait "$p" 2> /dev/null
	if [ -S "$JITSU_CONDUIT_DIR/echo.test" ] &&
	    ! client 2 echo.test "$d/refused.log" &&
	    grep -q "(-111)" "$d/refused.log"; then
		ok "dead-server-refused"
	else
		ko "dead-server-refused" "$(cat "$d/refused.log")"
	fi

	if start_echo "$d/echo3.log" && client 1 echo.test "$d/cli7.log" &&
	    grep -q "conduit: SUCCESS" "$d/cli7.log"; then
		ok "new-server-replaces-stale-socket"
	else
		ko "new-server-replaces-stale-socket" "$(cat "$d/echo3.log")"
	fi
	kill "$srv_pid" 2> /dev/null
	wait "$srv_pid" 2> /dev/null
	srv_pid=
}

suite unix "unix tap"
suite tap "tap unix"

echo "uk-conduit-unix: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
