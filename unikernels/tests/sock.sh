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
#       returns 200000 bytes through busybox nc, and UDP datagrams
#       through bash's /dev/udp (tests/xen/uk/udp-echo.bash): one, 50 of
#       sizes 1..1472 one at a time, 4 at once, and one longer than
#       uk.h's 1472 is dropped rather than cut; sockapi.unix (UDP,
#       active opens, refusals) says SUCCESS.
#   (b) adoption through TCP_REPAIR, without jitsud: sock_freezer holds
#       three real connections (curl, a 1 MiB GET, a GET followed by the
#       client's FIN) as Synjitsu would, records them and lets go in
#       silence; httpd.unix, started by sock_handover with
#       JITSU_SYNJITSU_FD, adopts them, and every client gets its answer
#       on its own connection, without a retransmission or a reset.  A
#       silent jitsud delays the guest a bounded time; a record for a
#       port nothing listens on is refused and counted out.
# Needs root, bash, curl, busybox, iproute2 (ip, nstat).  The checks it
# shares with tap.sh are in nslib.sh.
# Prints `uk-sock: N passed, M failed`; exits non-zero on any failure.
#
# Environment: UK_IMGDIR (default build/unikernels), UK_SOCK_BIN (the
# helpers, default build/uk-obj/unix-sock/bin), UK_SOCK_CONC (concurrent
# connections, default 1000).

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/nslib.sh
. "$top/unikernels/tests/nslib.sh"
tag=uk-sock
img=${UK_IMGDIR:-$top/build/unikernels}
bin=${UK_SOCK_BIN:-$top/build/uk-obj/unix-sock/bin}
srv=uks-srv
cli=uks-cli
ext=unix
ukargs=
# Namespaces and addresses are fixed: one run at a time.
lock /tmp/uks.lock
guest=10.89.0.2
client=10.89.0.1
conc=${UK_SOCK_CONC:-1000}
tmp=$(mktemp -d /tmp/uks.XXXXXX)

trap cleanup EXIT
trap 'exit 130' INT TERM

# Fresh namespaces: the TCP counters (nstat) start from zero.
setup() {
	ns_del
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
	fifo_link "$srv"
	fifo_link "$cli"
}

# fifo_link NS: NS's eth0 delivers what it receives in the order it was
# sent, as a wire does.  A veth hands each segment to the backlog of the
# CPU that sent it; under load one CPU's backlog can wait while the
# other's runs, and a delayed ack sent by a timer on one CPU then
# arrives after the FIN that the application's close sent on the other.
# The peer, already in TIME_WAIT, answers that stale ack with a
# duplicate, which finds our LAST_ACK socket gone and draws a reset:
# correct TCP, but a reordering no wire makes, counted by check_counters
# as if adoption had gone wrong (an adopted socket acks a FIN alone
# within a tick: its delayed-ack timeout starts at 0, as no data segment
# ever came to it).  RPS to one CPU makes that one backlog.
fifo_link() {
	ip netns exec "$1" sh -c \
	    'echo 1 >/sys/class/net/eth0/queues/rx-0/rps_cpus' ||
	    echo "$tag: no RPS in $1; its veth may reorder" >&2
}

test_sigterm() {
	stop_uk
	if [ "$ukrc" = 0 ] &&
	    grep -q 'shutdown requested: poweroff' "$tmp/httpd.log"; then
		pass "SIGTERM: httpd.unix powered off (exit status 0)"
	else
		fail "SIGTERM: httpd.unix powered off (exit status 0)" \
		    "exit status 0 and its poweroff" "exit status '$ukrc'"
		t_show "$tmp/httpd.log"
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
		    fail "jitsu.ip and jitsu.name from JITSU_IP, JITSU_NAME" \
		    "GET / -> 200, 'from-env serving'" "GET / -> '$code'; log:
$(cat "$tmp/httpd.log")"
		stop_uk
	fi
	ins timeout 5 "$img/httpd.unix" jitsu.ip=10.89.7.7/24 \
	    >"$tmp/noaddr.log" 2>&1
	rc=$?
	if [ $rc = 1 ] && grep -q 'no interface holds 10.89.7.7' \
	    "$tmp/noaddr.log"; then
		pass "a jitsu.ip no interface holds is refused (status 1)"
	else
		fail "a jitsu.ip no interface holds is refused (status 1)" \
		    "status 1, 'no interface holds 10.89.7.7'" "status $rc"
		t_show "$tmp/noaddr.log"
	fi
}

# The kernel delivers datagrams longer than uk.h's 1472 bytes; echo must
# drop them whole rather than send back the first 1472.
udp_too_long() {
	inc timeout 10 bash "$udp_echo" $guest 7 "$tmp/udp.src" 2000 \
	    >"$tmp/udp.out" 2>&1
	out=$(tail -n 1 "$tmp/udp.out")
	if [ "$out" = "udp-echo: 1 sent, 0 back intact, 1 lost, 0 wrong" ]
	then
		pass "echo UDP: a 2000-byte datagram is dropped, not cut"
	else
		fail "echo UDP: a 2000-byte datagram is dropped, not cut" \
		    "no reply" "'$out'"
	fi
}

test_echo() {
	start_echo $guest || return
	echo_checks $guest
	udp "4 datagrams at once" -a $guest 7 "$tmp/udp.src" 1472 1 700 1400
	udp_too_long
	stop_uk
	want="TCP connections served 1, UDP datagrams echoed 55, dropped 1"
	echo_counts "$want"
}

test_sockapi() {
	if ins timeout 20 "$img/sockapi.unix" jitsu.ip=$guest/24 \
	    >"$tmp/sockapi.log" 2>&1 && grep -q '^SUCCESS' "$tmp/sockapi.log"
	then
		pass "sockapi: UDP, connect, refusal and limits"
	else
		fail "sockapi: UDP, connect, refusal and limits" "SUCCESS" "none"
		t_show "$tmp/sockapi.log"
	fi
}

part_a() {
	start_uk httpd jitsu.ip=$guest/24 jitsu.name=uks-test || return
	test_index
	big "plain link"
	test_keepalive
	test_concurrent
	check_alive httpd
	test_sigterm
	test_env_config
	test_echo
	test_sockapi
}

# ---------------------------------------------------------------------
# (b) adoption

# counter NS NAME: one of the namespace's TCP counters ("absent" when
# nstat cannot tell, which must not read as a clean 0).
counter() {
	ip netns exec "$1" nstat -asz "$2" 2>/dev/null |
	    awk -v n="$2" '$1 == n { print $2 }' | grep . || echo absent
}

# established N: waits (5 s at most) until the clients have N connections
# up.  The freezer accepts them in the order their handshakes ended, and
# record N must be client N's: a fixed pause between the clients let a
# loaded machine start curl after the next one.
established() {
	i=0
	until [ "$(inc ss -Htn state established 'dport = :80' | wc -l)" \
	    -ge "$1" ] || [ $i -ge 50 ]; do
		i=$((i + 1))
		sleep 0.1
	done
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
	established 1
	ip netns exec "$cli" "$bin/sock_client" $guest 80 /big.bin \
	    "$tmp/c2.body" >"$tmp/c2.out" 2>&1 &
	c2=$!
	established 2
	ip netns exec "$cli" "$bin/sock_client" $guest 80 /index.html \
	    "$tmp/c3.body" fin >"$tmp/c3.out" 2>&1 &
	c3=$!
	if wait $fpid; then
		pass "freezer held 3 connections: $(tr '\n' ';' \
		    <"$tmp/freezer.err")"
		return 0
	fi
	fail "freezer held 3 connections" "3 held" "$(tr '\n' ';' \
	    <"$tmp/freezer.err")"
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
		fail "curl got the page on its held connection" \
		    "200, 1 connect, port $(record_port 1)" "'$(cat "$tmp/c1.out")'"
	fi
}

# check_client N LABEL: sock_client N ended well on the recorded port.
check_client() {
	out=$(cat "$tmp/c$1.out")
	if [ "$out" = "${out#port=$(record_port "$1") }" ] ||
	    ! echo "$out" | grep -q 'end=eof retrans=0 lost=0'; then
		fail "$2: answered on its held connection" \
		    "port $(record_port "$1"), eof, no retransmission" "'$out'"
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
	    fail "1 MiB GET: body intact after adoption" "sha256 $big_sha" \
	    "'$sum'"
}

check_fin_client() {
	check_client 3 "GET then FIN" || return
	head -1 "$tmp/c3.body" | grep -q '^HTTP/1.1 200' &&
	    grep -q 'jitsu unikernel' "$tmp/c3.body" &&
	    pass "GET then FIN: 200 and the page, then our FIN" ||
	    fail "GET then FIN: 200 and the page, then our FIN" \
	    "200 and the page" "'$(head -c 200 "$tmp/c3.body")'"
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
	    fail "no retransmission and no reset on either side" \
	    "every counter 0" "$bad"
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
	    fail "the guest said: adopted 3" "'adopted 3'" \
	    "'$(tr '\n' ';' <"$tmp/handover.out")'"
	check_curl_client
	check_big_client
	check_fin_client
	check_counters
	stop_uk
	check_eq "the adopting httpd exits 0" 0 "$ukrc"
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
		fail "silent jitsud: gave up, served" \
		    "200 within 6000 ms, 'hand-over abandoned'" \
		    "'$code' after $((t1 - t0)) ms; log: $(tr '\n' ';' \
		    <"$tmp/silent.out")"
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
	    fail "records it cannot adopt are refused and counted out" \
	    "'adopted 0', port 81 not adopted, 'bad line'" \
	    "'$(tr '\n' ';' <"$tmp/refuse.out")'"
	stop_uk
}

part_b() {
	setup
	test_adoption
	test_silent_jitsud
	test_refused_record
}

need unix "$img/httpd.unix" "$img/echo.unix" "$img/sockapi.unix"
need sock-check "$bin/sock_freezer" "$bin/sock_handover" \
    "$bin/sock_client"
setup
part_a
part_b
finish "$tag"
