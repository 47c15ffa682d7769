#!/bin/sh
# sock.sh -- host system test: the libOS on the kernel's TCP/IP (unix-sock)
#
# Two network namespaces joined by a veth, as jitsud's process backend
# joins a guest to its bridge: uks-srv (eth0 10.89.0.2/24, the guest's)
# and uks-cli (eth0 10.89.0.1/24, the clients').  Checks, with real
# clients in uks-cli:
#   (a) httpd.unix serves curl: pages, 404, HEAD, 1 MiB by SHA-256,
#       keep-alive, 1000 concurrent connections, SIGTERM ends it with
#       status 0; jitsu.ip from $JITSU_IP as the process backend passes
#       it, and a jitsu.ip no interface holds is refused; echo.unix
#       returns 200000 bytes through busybox nc; sockapi.unix (UDP,
#       active opens, refusals) says SUCCESS.
#   (b) adoption through TCP_REPAIR, without jitsud: sock_freezer holds
#       three real connections (curl, a 1 MiB GET, a GET followed by the
#       client's FIN) as Synjitsu would, records them and lets go in
#       silence; httpd.unix, started by sock_handover with
#       JITSU_SYNJITSU_FD, adopts them, and every client gets its answer
#       on its own connection, without a retransmission or a reset.  A
#       silent jitsud delays the guest a bounded time; a record for a
#       port nothing listens on is refused and counted out.
# Needs root, curl, busybox, iproute2 (ip, nstat).
# Prints `uk-sock: N passed, M failed`; exits non-zero on any failure.
#
# Environment: UK_IMGDIR (default build/unikernels), UK_SOCK_BIN (the
# helpers, default build/uk-obj/unix-sock/bin), UK_SOCK_CONC (concurrent
# connections, default 1000).

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
img=${UK_IMGDIR:-$top/build/unikernels}
bin=${UK_SOCK_BIN:-$top/build/uk-obj/unix-sock/bin}
# Namespaces and addresses are fixed: one run at a time.  The guests
# started below do not inherit the lock (9>&-): one left behind by a
# broken run must not hold up the next.
exec 9>/tmp/uks.lock
flock -w 300 9 || {
	echo "uk-sock: 0 passed, 1 failed (another run holds the lock)"
	exit 1
}
srv=uks-srv
cli=uks-cli
guest=10.89.0.2
client=10.89.0.1
conc=${UK_SOCK_CONC:-1000}
# sha256 of 1 MiB of bytes (i * 7 + 3) & 0xff, i = 0..1048575
big_sha=172c15dc2e12b50e523d8e657cbe7fbb11c1053252bbf1e1431077d57d8128fd
tmp=$(mktemp -d /tmp/uks.XXXXXX)
passed=0
failed=0
ukpid=

pass() {
	passed=$((passed + 1))
	echo "ok: $*"
}

fail() {
	failed=$((failed + 1))
	echo "FAILED: $*"
}

inc() {
	ip netns exec "$cli" "$@"
}

ins() {
	ip netns exec "$srv" "$@"
}

# Stops the guest (SIGTERM, then SIGKILL after 2 s); its status in $ukrc.
stop_uk() {
	ukrc=
	[ -n "$ukpid" ] || return
	kill "$ukpid" 2>/dev/null
	i=0
	while kill -0 "$ukpid" 2>/dev/null && [ $i -lt 20 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$ukpid" 2>/dev/null
	wait "$ukpid" 2>/dev/null
	ukrc=$?
	ukpid=
}

cleanup() {
	stop_uk
	ip netns del "$srv" 2>/dev/null
	ip netns del "$cli" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Fresh namespaces: the TCP counters (nstat) start from zero.
setup() {
	ip netns del "$srv" 2>/dev/null
	ip netns del "$cli" 2>/dev/null
	ip netns add "$srv" && ip netns add "$cli" || exit 1
	ip -n "$srv" link set lo up
	ip -n "$cli" link set lo up
	ip -n "$cli" link add eth0 type veth peer name eth0 netns "$srv" ||
	    exit 1
	ip -n "$cli" addr add $client/24 dev eth0
	ip -n "$srv" addr add $guest/24 dev eth0
	ip -n "$cli" link set eth0 up
	ip -n "$srv" link set eth0 up
	# Synjitsu's records carry no timestamps: neither may the freezer's.
	ins sysctl -qw net.ipv4.tcp_timestamps=0
}

# Starts image NAME with ARGS in uks-srv; waits (5 s) for its readiness
# line on JITSU_READY_FD, as jitsud's process backend does.
start_uk() {
	name=$1
	shift
	rm -f "$tmp/ready"
	mkfifo "$tmp/ready"
	# Not through ins: $! must be the unikernel itself (ip execs it).
	JITSU_READY_FD=3 ip netns exec "$srv" "$img/$name.unix" "$@" \
	    >"$tmp/$name.log" 2>&1 3>"$tmp/ready" 9>&- &
	ukpid=$!
	line=$(timeout 5 head -n 1 "$tmp/ready")
	if [ "$line" = ready ]; then
		pass "$name.unix announced readiness"
		return 0
	fi
	fail "$name.unix: no readiness line (got '$line'); log:"
	cat "$tmp/$name.log"
	stop_uk
	return 1
}

now_ms() {
	date +%s%3N
}

test_index() {
	code=$(inc timeout 10 curl -sS -o "$tmp/index" -w '%{http_code}' \
	    http://$guest/)
	if [ "$code" = 200 ] && grep -q 'jitsu unikernel' "$tmp/index"; then
		pass "GET / -> 200, $(wc -c <"$tmp/index") bytes"
	else
		fail "GET / -> '$code', expected 200 and the index page"
	fi
	code=$(inc timeout 10 curl -sS -o /dev/null -w '%{http_code}' \
	    http://$guest/nothing-here)
	[ "$code" = 404 ] && pass "GET /nothing-here -> 404" ||
	    fail "GET /nothing-here -> '$code', expected 404"
	len=$(inc timeout 10 curl -sS -I http://$guest/big.bin |
	    tr -d '\r' | sed -n 's/^Content-Length: //p')
	[ "$len" = 1048576 ] &&
	    pass "HEAD /big.bin -> Content-Length 1048576" ||
	    fail "HEAD /big.bin -> Content-Length '$len', expected 1048576"
}

# big LABEL: downloads /big.bin and compares its digest.
big() {
	t0=$(now_ms)
	inc timeout 20 curl -sS -o "$tmp/big" http://$guest/big.bin
	t1=$(now_ms)
	sum=$(sha256sum "$tmp/big" 2>/dev/null | cut -d' ' -f1)
	if [ "$sum" = $big_sha ]; then
		pass "$1: 1 MiB intact in $((t1 - t0)) ms"
	else
		fail "$1: sha256 '$sum' ($(wc -c <"$tmp/big" 2>/dev/null)" \
		    "bytes), expected $big_sha"
	fi
}

test_keepalive() {
	out=$(inc timeout 10 curl -sS -o /dev/null -o /dev/null -o /dev/null \
	    -w '%{http_code} %{num_connects}\n' http://$guest/ \
	    http://$guest/style.css http://$guest/index.html | tr '\n' ' ')
	if [ "$out" = "200 1 200 0 200 0 " ]; then
		pass "keep-alive: 3 requests on one connection"
	else
		fail "keep-alive: got '$out', expected '200 1 200 0 200 0 '"
	fi
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
	inc timeout 60 curl -sS --no-progress-meter -Z \
	    --parallel-max "$conc" -K "$tmp/urls" \
	    -H 'Connection: close' -w '%{http_code}\n' >"$tmp/codes" \
	    2>"$tmp/conc.err"
	t1=$(now_ms)
	ok=$(grep -c '^200$' "$tmp/codes")
	[ "$ok" -eq "$conc" ] &&
	    pass "$conc concurrent connections all served in $((t1 - t0)) ms" ||
	    fail "concurrent: $ok of $conc served ($(head -3 "$tmp/conc.err"))"
	big "after the concurrent burst"
}

test_sigterm() {
	stop_uk
	if [ "$ukrc" = 0 ] &&
	    grep -q 'shutdown requested: poweroff' "$tmp/httpd.log"; then
		pass "SIGTERM: httpd.unix powered off (exit status 0)"
	else
		fail "SIGTERM: exit status '$ukrc', expected 0; log:"
		cat "$tmp/httpd.log"
	fi
}

# The process backend passes jitsu.* in the environment, not on argv.
test_env_config() {
	export JITSU_IP=$guest JITSU_NAME=from-env
	start_uk httpd
	rc=$?
	unset JITSU_IP JITSU_NAME
	if [ $rc = 0 ]; then
		code=$(inc timeout 10 curl -sS -o /dev/null -w '%{http_code}' \
		    http://$guest/)
		[ "$code" = 200 ] && grep -q 'from-env serving' \
		    "$tmp/httpd.log" &&
		    pass "jitsu.ip and jitsu.name from JITSU_IP, JITSU_NAME" ||
		    fail "env config: GET / -> '$code'; log: $(cat \
		    "$tmp/httpd.log")"
		stop_uk
	fi
	ins timeout 5 "$img/httpd.unix" jitsu.ip=10.89.7.7/24 \
	    >"$tmp/noaddr.log" 2>&1
	rc=$?
	if [ $rc = 1 ] && grep -q 'no interface holds 10.89.7.7' \
	    "$tmp/noaddr.log"; then
		pass "a jitsu.ip no interface holds is refused (status 1)"
	else
		fail "jitsu.ip=10.89.7.7: status $rc; log: $(cat \
		    "$tmp/noaddr.log")"
	fi
}

test_echo() {
	head -c 200000 "$tmp/big" >"$tmp/echo.in"
	start_uk echo jitsu.ip=$guest/24 port=7 || return
	inc timeout 10 busybox nc -w 2 $guest 7 <"$tmp/echo.in" \
	    >"$tmp/echo.out" 2>/dev/null
	if cmp -s "$tmp/echo.in" "$tmp/echo.out"; then
		pass "echo: 200000 bytes came back intact through busybox nc"
	else
		fail "echo: sent 200000 bytes, got $(wc -c <"$tmp/echo.out")" \
		    "back"
	fi
	stop_uk
}

test_sockapi() {
	if ins timeout 20 "$img/sockapi.unix" jitsu.ip=$guest/24 \
	    >"$tmp/sockapi.log" 2>&1 && grep -q '^SUCCESS' "$tmp/sockapi.log"
	then
		pass "sockapi: UDP, connect, refusal and limits"
	else
		fail "sockapi; log:"
		cat "$tmp/sockapi.log"
	fi
}

part_a() {
	start_uk httpd jitsu.ip=$guest/24 jitsu.name=uks-test || return
	test_index
	big "plain link"
	test_keepalive
	test_concurrent
	if kill -0 "$ukpid" 2>/dev/null; then
		pass "httpd still running after the load"
	else
		fail "httpd died; log:"
		cat "$tmp/httpd.log"
	fi
	test_sigterm
	test_env_config
	test_echo
	test_sockapi
}

# ---------------------------------------------------------------------
# (b) adoption

# counter NS NAME: one of the namespace's TCP counters (0 if absent).
counter() {
	ip netns exec "$1" nstat -asz "$2" 2>/dev/null |
	    awk -v n="$2" '$1 == n { print $2 }' | grep . || echo 0
}

# Three clients connect to the freezer, which holds and records them.
# What runs in the background is started by `ip netns exec` itself, not
# through ins/inc: $! must be the program (ip execs it), not a subshell.
freeze_clients() {
	ip netns exec "$srv" "$bin/sock_freezer" $guest 80 3 "$tmp/records" \
	    2>"$tmp/freezer.err" &
	fpid=$!
	i=0
	until ins ss -Hltn 'sport = :80' | grep -q .; do
		i=$((i + 1))
		[ $i -lt 50 ] || break
		sleep 0.1
	done
	ip netns exec "$cli" curl -sS -m 30 -o "$tmp/c1.body" \
	    -w '%{http_code} %{num_connects} %{local_port}\n' \
	    http://$guest/ >"$tmp/c1.out" 2>&1 &
	c1=$!
	sleep 0.2
	ip netns exec "$cli" "$bin/sock_client" $guest 80 /big.bin \
	    "$tmp/c2.body" >"$tmp/c2.out" 2>&1 &
	c2=$!
	sleep 0.2
	ip netns exec "$cli" "$bin/sock_client" $guest 80 /index.html \
	    "$tmp/c3.body" fin >"$tmp/c3.out" 2>&1 &
	c3=$!
	if wait $fpid; then
		pass "freezer held 3 connections: $(tr '\n' ';' \
		    <"$tmp/freezer.err")"
		return 0
	fi
	fail "sock_freezer: $(cat "$tmp/freezer.err")"
	kill $c1 $c2 $c3 2>/dev/null
	return 1
}

# record_port N: the client port of record N.
record_port() {
	sed -n "${1}p" "$tmp/records" | sed 's/.*peer=[0-9.]*:\([0-9]*\).*/\1/'
}

check_curl_client() {
	set -- $(cat "$tmp/c1.out")
	if [ "${1:-}" = 200 ] && [ "${2:-}" = 1 ] &&
	    [ "${3:-}" = "$(record_port 1)" ] &&
	    grep -q 'jitsu unikernel' "$tmp/c1.body"; then
		pass "curl got the page on its held connection (port $3)"
	else
		fail "curl: '$(cat "$tmp/c1.out")', expected 200, 1 connect," \
		    "port $(record_port 1)"
	fi
}

# check_client N LABEL: sock_client N ended well on the recorded port.
check_client() {
	out=$(cat "$tmp/c$1.out")
	if [ "$out" = "${out#port=$(record_port "$1") }" ] ||
	    ! echo "$out" | grep -q 'end=eof retrans=0 lost=0'; then
		fail "$2: '$out', expected port $(record_port "$1"), eof," \
		    "no retransmission"
		return 1
	fi
	pass "$2: answered on its held connection: $out"
}

check_big_client() {
	check_client 2 "1 MiB GET" || return
	sum=$(tail -c 1048576 "$tmp/c2.body" | sha256sum | cut -d' ' -f1)
	head -c 300 "$tmp/c2.body" | tr -d '\r' |
	    grep -q '^Content-Length: 1048576$' && [ "$sum" = $big_sha ] &&
	    pass "1 MiB GET: body intact after adoption" ||
	    fail "1 MiB GET: sha256 '$sum', expected $big_sha"
}

check_fin_client() {
	check_client 3 "GET then FIN" || return
	head -1 "$tmp/c3.body" | grep -q '^HTTP/1.1 200' &&
	    grep -q 'jitsu unikernel' "$tmp/c3.body" &&
	    pass "GET then FIN: 200 and the page, then our FIN" ||
	    fail "GET then FIN: $(head -c 200 "$tmp/c3.body")"
}

# No TCP trouble in either namespace since they were made.
check_counters() {
	bad=
	for n in TcpRetransSegs TcpEstabResets TcpOutRsts; do
		v=$(counter "$cli" $n)
		[ "$v" = 0 ] || bad="$bad client:$n=$v"
	done
	for n in TcpRetransSegs TcpOutRsts; do
		v=$(counter "$srv" $n)
		[ "$v" = 0 ] || bad="$bad guest:$n=$v"
	done
	[ -z "$bad" ] &&
	    pass "no retransmission and no reset on either side" ||
	    fail "TCP counters:$bad"
}

test_adoption() {
	freeze_clients || return
	ip netns exec "$srv" "$bin/sock_handover" "$tmp/records" \
	    "$img/httpd.unix" jitsu.ip=$guest/24 jitsu.name=adopter \
	    >"$tmp/handover.out" 2>&1 9>&- &
	ukpid=$!
	wait $c1 $c2 $c3
	grep -q '^adopted 3$' "$tmp/handover.out" &&
	    pass "the guest said: adopted 3" ||
	    fail "hand-over: $(tr '\n' ';' <"$tmp/handover.out")"
	check_curl_client
	check_big_client
	check_fin_client
	check_counters
	stop_uk
	[ "$ukrc" = 0 ] || fail "the adopting httpd exited with '$ukrc'"
}

# A jitsud that says nothing: the guest waits 2 s, then serves.
test_silent_jitsud() {
	: >"$tmp/none"
	t0=$(now_ms)
	ip netns exec "$srv" "$bin/sock_handover" -s 8 "$tmp/none" \
	    "$img/httpd.unix" jitsu.ip=$guest/24 >"$tmp/silent.out" 2>&1 \
	    9>&- &
	ukpid=$!
	code=$(inc curl -sS -m 8 -o /dev/null -w '%{http_code}' \
	    --retry 5 --retry-connrefused --retry-delay 0 \
	    --retry-max-time 8 http://$guest/ 2>/dev/null)
	t1=$(now_ms)
	if [ "$code" = 200 ] && [ $((t1 - t0)) -lt 6000 ] &&
	    grep -q 'hand-over abandoned' "$tmp/silent.out"; then
		pass "silent jitsud: gave up, served after $((t1 - t0)) ms"
	else
		fail "silent jitsud: '$code' after $((t1 - t0)) ms; log:" \
		    "$(tr '\n' ';' <"$tmp/silent.out")"
	fi
	stop_uk
}

# A record for a port nothing listens on, and a bad line.
test_refused_record() {
	echo "v=1 peer=$client:40000 local=$guest:81 irs=1000 iss=5000" \
	    "rcv_nxt=1001 snd_nxt=5001 mss=1460 peer_wscale=-1 wscale=0" \
	    "peer_wnd=5840 fin=0 data=" >"$tmp/refuse"
	echo "not a record" >>"$tmp/refuse"
	ip netns exec "$srv" "$bin/sock_handover" "$tmp/refuse" \
	    "$img/httpd.unix" jitsu.ip=$guest/24 >"$tmp/refuse.out" 2>&1 \
	    9>&- &
	ukpid=$!
	i=0
	until grep -q '^adopted' "$tmp/refuse.out" || [ $i -ge 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q '^adopted 0$' "$tmp/refuse.out" &&
	    grep -q 'port 81: not adopted (error -2)' "$tmp/refuse.out" &&
	    grep -q 'bad line' "$tmp/refuse.out" &&
	    pass "records it cannot adopt are refused and counted out" ||
	    fail "refused record: $(tr '\n' ';' <"$tmp/refuse.out")"
	stop_uk
}

part_b() {
	setup
	test_adoption
	test_silent_jitsud
	test_refused_record
}

for f in httpd.unix echo.unix sockapi.unix; do
	if [ ! -x "$img/$f" ]; then
		echo "uk-sock: $img/$f missing: make -C unikernels unix"
		exit 1
	fi
done
for f in sock_freezer sock_handover sock_client; do
	if [ ! -x "$bin/$f" ]; then
		echo "uk-sock: $bin/$f missing: make -C unikernels sock-check"
		exit 1
	fi
done
setup
part_a
part_b
echo "uk-sock: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
