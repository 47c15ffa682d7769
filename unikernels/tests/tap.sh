#!/bin/sh
# tap.sh -- host system test: the libOS TCP/IP stack on a TAP device
#
# Runs the unix-TAP builds of httpd and echo in a network namespace of
# their own (uk-tap) on a TAP device with 10.88.0.1/24, and checks them
# with real clients from inside the namespace: ping, curl, a 1 MiB
# download compared by SHA-256, sequential and concurrent connections,
# echo through busybox nc, and the 1 MiB download over a lossy,
# reordering link.  echo's UDP side (uk.h's UDP API on the libOS stack)
# is checked with bash's /dev/udp (tests/xen/uk/udp-echo.bash): one
# datagram, 50 of sizes 1..1472 one at a time, 4 at once.  Needs root,
# bash, curl, busybox, iproute2.  The checks it shares with sock.sh are
# in nslib.sh.
# Prints `uk-tap: N passed, M failed`; exits non-zero on any failure.
#
# Environment: UK_IMGDIR (default build/unikernels), UK_TAP_CONC (number
# of concurrent connections, default 1000), UK_TAP_SEQ (sequential,
# default 200).

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/nslib.sh
. "$top/unikernels/tests/nslib.sh"
tag=uk-tap
img=${UK_IMGDIR:-$top/build/unikernels}
# One namespace: the guests and the clients on either side of the TAP.
srv=uk-tap
cli=$srv
ext=tap
# The namespace, TAP and addresses are fixed: one run at a time.
lock /tmp/uk-tap.lock
tap=uktap0
ukargs=uk.tap=$tap
host=10.88.0.1
guest=10.88.0.2
conc=${UK_TAP_CONC:-1000}
seq=${UK_TAP_SEQ:-200}
tmp=$(mktemp -d /tmp/uk-tap.XXXXXX)

trap cleanup EXIT
trap 'exit 130' INT TERM

setup() {
	need tap "$img/httpd.tap" "$img/echo.tap"
	ns_del
	ip netns add "$srv" || exit 1
	ins ip link set lo up
	ins ip tuntap add dev $tap mode tap || exit 1
	ins ip addr add $host/24 dev $tap
	ins ip link set $tap up
}

test_ping() {
	if inc ping -c 3 -i 0.2 -W 2 $guest >"$tmp/ping" 2>&1; then
		pass "ping $guest: $(tail -1 "$tmp/ping")"
	else
		fail "ping $guest" "replies" "none"
		t_show "$tmp/ping"
	fi
}

# $seq connections one after the other, from one curl: the server
# closes each (Connection: close), so every request is a new connection.
test_sequential() {
	gets "$tmp/seq" "$seq" ""
	t0=$(now_ms)
	inc timeout 60 curl -sS -K "$tmp/seq" -H 'Connection: close' \
	    -w '%{http_code} %{num_connects}\n' >"$tmp/seqcodes" 2>&1
	t1=$(now_ms)
	ok=$(grep -c '^200 1$' "$tmp/seqcodes")
	[ "$ok" -eq "$seq" ] &&
	    pass "$seq sequential connections in $((t1 - t0)) ms" ||
	    fail "$seq sequential connections" \
	    "$seq new connections answered 200" "$ok"
}

test_lossy() {
	if ins tc qdisc add dev $tap root netem loss 5% delay 10ms \
	    reorder 25% 50% 2>/dev/null; then
		big "netem loss 5% delay 10ms reorder 25%" 60
		ins tc qdisc del dev $tap root
		return
	fi
	echo "note: sch_netem unavailable on this kernel; impairing inside" \
	    "the TAP platform instead (uk.loss=5 uk.reorder=25, both" \
	    "directions)"
	stop_uk
	start_uk httpd jitsu.ip=$guest/24 uk.loss=5 uk.reorder=25 uk.seed=7 ||
	    return
	big "uk.loss=5% uk.reorder=25% (both directions)" 60
	grep -i "rexmit" "$tmp/httpd.log"
	stop_uk
}

test_echo() {
	start_echo 10.88.0.3 || return
	echo_checks 10.88.0.3
	udp "4 datagrams at once (the stack's queue)" -a 10.88.0.3 7 \
	    "$tmp/udp.src" 1472 1 700 1400
	stop_uk
	# Our own count: nothing dropped on the way in or out.
	want="TCP connections served 1, UDP datagrams echoed 55, dropped 0"
	echo_counts "$want"
}

setup
if start_uk httpd jitsu.ip=$guest/24 jitsu.name=uk-tap-test; then
	test_ping
	test_index
	big "plain link" 10
	test_keepalive
	test_sequential
	test_concurrent
	check_alive httpd
	test_lossy
fi
test_echo
finish "$tag"
