#!/bin/sh
# tap.sh -- host system test: the libOS TCP/IP stack on a TAP device
#
# Runs the unix-TAP builds of httpd and echo in a network namespace of
# their own (uk-tap) on a TAP device with 10.88.0.1/24, and checks them
# with real clients from inside the namespace: ping, curl, a 1 MiB
# download compared by SHA-256, sequential and concurrent connections,
# echo through busybox nc, and the 1 MiB download over a lossy,
# reordering link.  Needs root, curl, busybox, iproute2.
# Prints `uk-tap: N passed, M failed`; exits non-zero on any failure.
#
# Environment: UK_IMGDIR (default build/unikernels), UK_TAP_CONC (number
# of concurrent connections, default 1000), UK_TAP_SEQ (sequential,
# default 200).

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
img=${UK_IMGDIR:-$top/build/unikernels}
ns=uk-tap
# The namespace, TAP and addresses are fixed: one run at a time.
exec 9>/tmp/uk-tap.lock
flock -w 300 9 || {
	echo "uk-tap: 0 passed, 1 failed (another run holds the lock)"
	exit 1
}
tap=uktap0
host=10.88.0.1
guest=10.88.0.2
conc=${UK_TAP_CONC:-1000}
seq=${UK_TAP_SEQ:-200}
# sha256 of 1 MiB of bytes (i * 7 + 3) & 0xff, i = 0..1048575
big_sha=172c15dc2e12b50e523d8e657cbe7fbb11c1053252bbf1e1431077d57d8128fd
tmp=$(mktemp -d /tmp/uk-tap.XXXXXX)
passed=0
failed=0
ukpid=

nsx() {
	ip netns exec "$ns" "$@"
}

pass() {
	passed=$((passed + 1))
	echo "ok: $*"
}

fail() {
	failed=$((failed + 1))
	echo "FAILED: $*"
}

stop_uk() {
	if [ -n "$ukpid" ]; then
		kill "$ukpid" 2>/dev/null
		# Bounded: a unikernel that ignores SIGTERM gets SIGKILL.
		i=0
		while kill -0 "$ukpid" 2>/dev/null && [ $i -lt 20 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$ukpid" 2>/dev/null
		wait "$ukpid" 2>/dev/null
		ukpid=
	fi
}

cleanup() {
	stop_uk
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts image NAME with ARGS on the TAP; waits (5 s) for its readiness
# line on JITSU_READY_FD, as jitsud's process backend does.
start_uk() {
	name=$1
	shift
	rm -f "$tmp/ready"
	mkfifo "$tmp/ready"
	# Not through nsx: $! must be the unikernel itself (ip execs it).
	JITSU_READY_FD=3 ip netns exec "$ns" "$img/$name.tap" uk.tap=$tap \
	    "$@" >"$tmp/$name.log" 2>&1 3>"$tmp/ready" &
	ukpid=$!
	line=$(timeout 5 head -n 1 "$tmp/ready")
	if [ "$line" = ready ]; then
		pass "$name.tap announced readiness"
		return 0
	fi
	fail "$name.tap: no readiness line (got '$line'); log:"
	cat "$tmp/$name.log"
	return 1
}

# ms since some origin, for timings
now_ms() {
	date +%s%3N
}

setup() {
	for f in httpd echo; do
		if [ ! -x "$img/$f.tap" ]; then
			echo "uk-tap: $img/$f.tap missing: make -C unikernels tap"
			exit 1
		fi
	done
	ip netns del "$ns" 2>/dev/null
	ip netns add "$ns" || exit 1
	nsx ip link set lo up
	nsx ip tuntap add dev $tap mode tap || exit 1
	nsx ip addr add $host/24 dev $tap
	nsx ip link set $tap up
}

test_ping() {
	if nsx ping -c 3 -i 0.2 -W 2 $guest >"$tmp/ping" 2>&1; then
		pass "ping $guest: $(tail -1 "$tmp/ping")"
	else
		fail "ping $guest"; cat "$tmp/ping"
	fi
}

test_index() {
	code=$(nsx timeout 10 curl -sS -o "$tmp/index" -w '%{http_code}' \
	    http://$guest/)
	if [ "$code" = 200 ] && grep -q 'jitsu unikernel' "$tmp/index"; then
		pass "GET / -> 200, $(wc -c <"$tmp/index") bytes"
	else
		fail "GET / -> '$code', expected 200 and the index page"
	fi
	code=$(nsx timeout 10 curl -sS -o /dev/null -w '%{http_code}' \
	    http://$guest/nothing-here)
	[ "$code" = 404 ] && pass "GET /nothing-here -> 404" ||
	    fail "GET /nothing-here -> '$code', expected 404"
	len=$(nsx timeout 10 curl -sS -I http://$guest/big.bin |
	    tr -d '\r' | sed -n 's/^Content-Length: //p')
	[ "$len" = 1048576 ] && pass "HEAD /big.bin -> Content-Length 1048576" ||
	    fail "HEAD /big.bin -> Content-Length '$len', expected 1048576"
}

# big LABEL TIMEOUT: downloads /big.bin and compares its digest.
big() {
	t0=$(now_ms)
	nsx timeout "$2" curl -sS -o "$tmp/big" http://$guest/big.bin
	t1=$(now_ms)
	sum=$(sha256sum "$tmp/big" 2>/dev/null | cut -d' ' -f1)
	if [ "$sum" = $big_sha ]; then
		pass "$1: 1 MiB intact in $((t1 - t0)) ms"
	else
		fail "$1: sha256 '$sum' ($(wc -c <"$tmp/big" 2>/dev/null) bytes), expected $big_sha"
	fi
}

test_keepalive() {
	out=$(nsx timeout 10 curl -sS -o /dev/null -o /dev/null -o /dev/null \
	    -w '%{http_code} %{num_connects}\n' http://$guest/ \
	    http://$guest/style.css http://$guest/index.html | tr '\n' ' ')
	if [ "$out" = "200 1 200 0 200 0 " ]; then
		pass "keep-alive: 3 requests on one connection"
	else
		fail "keep-alive: got '$out', expected '200 1 200 0 200 0 '"
	fi
}

# $seq connections one after the other, from one curl: the server
# closes each (Connection: close), so every request is a new connection.
test_sequential() {
	i=0
	: >"$tmp/seq"
	while [ $i -lt "$seq" ]; do
		echo "url = \"http://$guest/?$i\"" >>"$tmp/seq"
		echo "output = \"/dev/null\"" >>"$tmp/seq"
		i=$((i + 1))
	done
	t0=$(now_ms)
	nsx timeout 60 curl -sS -K "$tmp/seq" -H 'Connection: close' \
	    -w '%{http_code} %{num_connects}\n' >"$tmp/seqcodes" 2>&1
	t1=$(now_ms)
	ok=$(grep -c '^200 1$' "$tmp/seqcodes")
	[ "$ok" -eq "$seq" ] &&
	    pass "$seq sequential connections in $((t1 - t0)) ms" ||
	    fail "sequential: $ok of $seq were new connections answered 200"
}

# $conc connections at once from one curl (-Z), each a short GET.
test_concurrent() {
	i=0
	: >"$tmp/urls"
	while [ $i -lt "$conc" ]; do
		echo "url = \"http://$guest/style.css?$i\"" >>"$tmp/urls"
		echo "output = \"/dev/null\"" >>"$tmp/urls"
		i=$((i + 1))
	done
	t0=$(now_ms)
	nsx timeout 60 curl -sS --no-progress-meter -Z \
	    --parallel-max "$conc" -K "$tmp/urls" \
	    -H 'Connection: close' -w '%{http_code}\n' >"$tmp/codes" \
	    2>"$tmp/conc.err"
	t1=$(now_ms)
	ok=$(grep -c '^200$' "$tmp/codes")
	[ "$ok" -eq "$conc" ] &&
	    pass "$conc concurrent connections all served in $((t1 - t0)) ms" ||
	    fail "concurrent: $ok of $conc served ($(head -3 "$tmp/conc.err"))"
	big "after the concurrent burst" 20
}

test_lossy() {
	if nsx tc qdisc add dev $tap root netem loss 5% delay 10ms \
	    reorder 25% 50% 2>/dev/null; then
		big "netem loss 5% delay 10ms reorder 25%" 60
		nsx tc qdisc del dev $tap root
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
	head -c 200000 "$tmp/big" >"$tmp/echo.in"
	start_uk echo jitsu.ip=10.88.0.3/24 port=7 || return
	nsx timeout 10 busybox nc -w 2 10.88.0.3 7 <"$tmp/echo.in" \
	    >"$tmp/echo.out" 2>/dev/null
	if cmp -s "$tmp/echo.in" "$tmp/echo.out"; then
		pass "echo: 200000 bytes came back intact through busybox nc"
	else
		fail "echo: sent 200000 bytes, got $(wc -c <"$tmp/echo.out") back"
	fi
	stop_uk
}

setup
if start_uk httpd jitsu.ip=$guest/24 jitsu.name=uk-tap-test; then
	test_ping
	test_index
	big "plain link" 10
	test_keepalive
	test_sequential
	test_concurrent
	if kill -0 "$ukpid" 2>/dev/null; then
		pass "httpd still running after the load"
	else
		fail "httpd died; log:"; cat "$tmp/httpd.log"
	fi
	test_lossy
fi
test_echo
echo "uk-tap: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
