#!/bin/sh
# synjitsu.sh -- Synjitsu on the process backend, end to end on this host:
# a client that connects right after its DNS answer, while the guest
# still boots, is answered by jitsud's stand-in at once (no SYN is ever
# retransmitted), and gets its HTTP response from the guest (httpd.unix,
# the unix-sock libOS) once that has booted and adopted the connection
# with TCP_REPAIR.  The control, the same guest with synjitsu=off, shows
# what the stand-in saves: retransmitted SYNs and a connect of seconds.
#
# Three runs: synjitsu=on with a client that has never seen the guest
# (the stand-in answers its ARP too); the control, with a client that
# still knows the guest's MAC (from before an idle stop: MACs are stable
# per name), so that its SYNs leave and are lost, not held in the ARP
# queue (a SYN still queued there is not retransmitted, only delayed);
# and synjitsu=on again with that same warm client.  Then the other ways
# a hand-over ends: a guest readiness-probed over TCP (which cannot
# succeed before the plug), a host on the bridge forging the client's
# address (never answered: synjitsu(7)), and a guest without Synjitsu
# support, which
# never asks and is plugged a second after it is ready.  (It serves port
# 8080, the stand-in port 80: vm.c keeps standing in for such a guest
# until its grace is over, and a SYN for a port it holds would then be
# answered twice.)
#
# Everything runs in three namespaces made here: jts-host (jitsud, bridge
# jtsbr0 10.97.0.1/24, guests at 10.97.0.10 to .13), jts-client
# (10.97.0.2) and jts-evil (10.97.0.66, the forger).  Traffic stays
# inside them.  Needs root, curl, dig, and
# build/unikernels/httpd.unix with Synjitsu support.  VERBOSE=1 shows
# jitsud's log and the guests' consoles even when all is well.
#
# The guest's 2 s boot is a wrapper (kernel=) that keeps eth0 down for
# 2 s and then execs httpd.unix: like a unikernel, nothing answers for
# it while it boots.  (A process guest otherwise has the kernel's stack
# from its first instruction, which would refuse the control's SYNs
# instead of leaving them unanswered.)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
bin=${JITSUD_BIN:-$top/build/bin}
httpd=$top/build/unikernels/httpd.unix
H="ip netns exec jts-host"
C="ip netns exec jts-client"
E="ip netns exec jts-evil"
synspoof=$top/build/tools/synspoof
SUITE=synjitsu-system

# Say what is missing and fail: a skipped test would prove nothing.
missing() {
	fail "what the suite needs is here" "$*" "it missing"
	finish $SUITE
}

[ "$(id -u)" = 0 ] || missing "root (network namespaces, veth pairs)"
for t in curl dig flock; do
	command -v $t >/dev/null || missing "the $t command"
done
if [ ! -x "$bin/jitsud" ] || [ ! -x "$bin/jitsuctl" ]; then
	missing "$bin/jitsud and jitsuctl (make)"
fi
[ -x "$synspoof" ] || missing "$synspoof (make)"
[ -x "$httpd" ] ||
    missing "$httpd (the unix-sock libOS's httpd: make -C unikernels unix)"
grep -q JITSU_SYNJITSU_FD "$httpd" ||
    missing "Synjitsu hand-over support in $httpd (no JITSU_SYNJITSU_FD)"

# The namespaces and addresses are fixed: one run at a time.
exec 9>/tmp/jitsud-synjitsu.lock
flock -w 300 9 || missing "the lock, which another run holds"

work=
cleanup() {
	# Guests outlive jitsud by design: end them through their pidfiles.
	for f in "$work/state"/*.pid; do
		[ -f "$f" ] && /bin/kill -KILL -- "-$(cut -d' ' -f1 "$f")" \
		    2>/dev/null
	done
	[ -f "$work/jitsud.pid" ] && kill -9 "$(cat "$work/jitsud.pid")" \
	    2>/dev/null
	for p in $(ip netns pids jts-host 2>/dev/null); do
		kill -9 "$p" 2>/dev/null
	done
	ip netns del jts-evil 2>/dev/null
	ip netns del jts-client 2>/dev/null
	ip netns del jts-host 2>/dev/null
	[ -n "$work" ] && rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
cleanup 2>/dev/null
work=$(mktemp -d /tmp/jitsud-synjitsu.XXXXXX)

ip netns add jts-host
ip netns add jts-client
$H ip link set lo up
$H ip link add jtsbr0 type bridge
$H ip addr add 10.97.0.1/24 dev jtsbr0
$H ip link set jtsbr0 up
# on_bridge NS PORT ADDR: namespace NS's eth0 at ADDR/24, its other end
# PORT in jtsbr0.
on_bridge() {
	ip link add "$2" type veth peer name eth0 netns "$1"
	ip link set "$2" netns jts-host
	$H ip link set "$2" master jtsbr0 up
	ip -n "$1" link set lo up
	ip -n "$1" addr add "$3/24" dev eth0
	ip -n "$1" link set eth0 up
}
on_bridge jts-client jts-c 10.97.0.2
ip netns add jts-evil
on_bridge jts-evil jts-e 10.97.0.66

mkdir -p "$work/state"
cat > "$work/boot-2s" <<EOF
#!/bin/sh
# A unikernel's boot as a process: no stack answers for 2 s, then httpd.
ip link set eth0 down
echo "boot: network down for 2 s"
sleep 2
ip link set eth0 up
[ -n "\$JITSU_GW" ] && ip route add default via "\$JITSU_GW" dev eth0
echo "boot: network up, httpd starts"
exec $httpd "\$@"
EOF
chmod +x "$work/boot-2s"
rd="kernel=$work/boot-2s bridge=jtsbr0 ports=80 max-wait=0 max-boot=10s idle=0"
cat > "$work/example.org.zone" <<EOF
\$ORIGIN example.org.
\$TTL 30
@	IN	SOA	ns1 hostmaster 1 3600 600 86400 30
@	IN	NS	ns1
ns1	IN	A	10.97.0.1
syn	IN	UNIKERNEL	$rd ip=10.97.0.10 mac=02:00:00:97:00:10 synjitsu=on
ctl	IN	UNIKERNEL	$rd ip=10.97.0.11 mac=02:00:00:97:00:11 synjitsu=off
tcp	IN	UNIKERNEL	$rd ip=10.97.0.13 synjitsu=on ready=tcp:80
old	IN	UNIKERNEL	kernel=$top/tests/system/guest.sh cmdline="serve $work/www" ip=10.97.0.12 bridge=jtsbr0 ports=80 max-wait=0 idle=0 synjitsu=on
EOF
mkdir -p "$work/www"
echo "a guest without synjitsu" > "$work/www/index.html"
cat > "$work/jitsud.conf" <<EOF
listen on 10.97.0.1
zone example.org.zone
control socket $work/jitsud.sock
backend process
state-dir $work/state
EOF

ctl() {
	$H "$bin/jitsuctl" -s "$work/jitsud.sock" "$@"
}

metric() {
	ctl metrics | awk -v m="$1" '$1 == m { print $2 }'
}

# The client's count of retransmitted SYNs (TcpExt: TCPSynRetrans).
syn_retrans() {
	$C awk '$1 == "TcpExt:" && !h { for (i = 2; i <= NF; i++) n[$i] = i
	    h = 1; next } $1 == "TcpExt:" { print $n["TCPSynRetrans"] }' \
	    /proc/net/netstat
}

# Wait up to 5 s for the guest's boot wrapper to take its network down.
wait_boot() {
	for _ in $(seq 100); do
		grep -qs "^boot: network down" "$work/state/$1.log" && return 0
		sleep 0.05
	done
	return 1
}

# Wait up to 5 s for a VM to be stopped.
wait_stopped() {
	for _ in $(seq 100); do
		ctl list | awk -v n="$1" '$1 == n && $2 == "stopped" { f = 1 }
		    END { exit !f }' && return 0
		sleep 0.05
	done
	return 1
}

# wait_log PATTERN: up to 5 s for a line of jitsud's log.
wait_log() {
	for _ in $(seq 100); do
		grep -q -- "$1" "$work/log" && return 0
		sleep 0.05
	done
	return 1
}

# line_of PATTERN: the number of the first line of jitsud's log that
# matches, or 999999.
line_of() {
	grep -n -m 1 -- "$1" "$work/log" | cut -d: -f1 | grep . || echo 999999
}

# The host end of a guest's veth, from its pidfile.
veth_of() {
	awk '{ print $3 }' "$work/state/$1.pid" 2>/dev/null
}

# experiment NAME IP [MAC]: a query, then at once (once the guest is
# booting) an HTTP request, from a client that knows the guest's MAC if
# one is given.  Leaves the curl timings in $work/curl.NAME ("connect
# first-byte total" in seconds), the body in $work/body.NAME, the
# SYN retransmissions it cost in $work/syns.NAME and, in
# $work/lag.NAME, the milliseconds from the query to curl's start.
experiment() {
	$C ip neigh flush dev eth0
	[ $# -gt 2 ] &&
	    $C ip neigh replace "$2" lladdr "$3" dev eth0 nud stale
	before=$(syn_retrans)
	_asked=$(now_ms)
	$C dig @10.97.0.1 +short +time=5 "$1.example.org" > "$work/dig.$1"
	wait_boot "$1.example.org" || echo "no boot line from $1" >&2
	$H ip -o link show "$(veth_of "$1.example.org")" \
	    > "$work/veth.$1" 2>&1
	echo $(($(now_ms) - _asked)) > "$work/lag.$1"
	$C curl -s --max-time 20 -o "$work/body.$1" \
	    -w '%{time_connect} %{time_starttransfer} %{time_total}\n' \
	    "http://$2/" > "$work/curl.$1"
	echo $(($(syn_retrans) - before)) > "$work/syns.$1"
	echo "  $1: connect, first byte, total (s): $(cat "$work/curl.$1");" \
	    "SYNs retransmitted: $(cat "$work/syns.$1")"
}

# now_ms: the wall clock in milliseconds.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# ms NAME FIELD: a curl timing in milliseconds.
ms() {
	awk -v f="$2" '{ printf "%d\n", $f * 1000 }' "$work/curl.$1"
}

# jitsud's packet sockets, "INODE IFINDEX" each (its netns's
# /proc/net/packet: sk RefCnt Type Proto Iface R Rmem User Inode).
packet_socks() {
	_fds=$(ls -l "/proc/$(cat "$work/jitsud.pid")/fd" 2>/dev/null |
	    sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' ')
	$H cat /proc/net/packet | awk -v fds=" $_fds" \
	    'NR > 1 && index(fds, " " $9 " ") { print $9, $5 }'
}

$H "$bin/jitsud" -d -f "$work/jitsud.conf" >> "$work/log" 2>&1 &
echo $! > "$work/jitsud.pid"
for _ in $(seq 50); do
	[ -S "$work/jitsud.sock" ] && break
	sleep 0.1
done
check "jitsud starts with the process backend" test -S "$work/jitsud.sock"

echo "synjitsu: dig, then at once curl a booting guest, synjitsu=on," \
    "from a client that never saw it"
experiment syn 10.97.0.10
check_eq "dig gets the guest's address at once" \
    10.97.0.10 "$(cat "$work/dig.syn")"
check "while it boots its veth is down and off the bridge" \
    eval '{ grep -q "state DOWN" "$work/veth.syn" &&
     ! grep -q "master" "$work/veth.syn"; } || { cat "$work/veth.syn"; false; }'
check "the client's connect returns in under 0.5 s ($(ms syn 1) ms)" \
    eval '[ "$(ms syn 1)" -lt 500 ]'
check_eq "no SYN was retransmitted" 0 "$(cat "$work/syns.syn")"
check "the response comes from the booted guest" \
    eval 'grep -q "Hello from a jitsu unikernel" "$work/body.syn"'
# The guest is spawned after the query is answered, and curl starts
# some time later (wait_boot, the veth's state; longer under the
# sanitizers on a busy machine): its first byte, counted from the
# query, comes after the 2 s boot.
first=$(($(cat "$work/lag.syn") + $(ms syn 2)))
check "... once it is up, after its 2 s boot ($first ms from the query)" \
    test "$first" -ge 2000
check "the guest adopted the connection" \
    eval 'grep -q "synjitsu: adopted 1 of 1 connections" \
     "$work/state/syn.example.org.log"'
check "and jitsud plugged its veth then" \
    eval 'grep -q "plugged into jtsbr0: the guest adopted 1 connection" \
     "$work/log"'
check "its veth is up on the bridge now" \
    eval '$H ip -o link show "$(veth_of syn.example.org)" |
     grep "master jtsbr0" | grep -q "state UP"'
check_eq "jitsud_synjitsu_handovers_total is 1" \
    1 "$(metric jitsud_synjitsu_handovers_total)"
check_eq "jitsud_synjitsu_adopted_connections_total is 1" \
    1 "$(metric jitsud_synjitsu_adopted_connections_total)"
# Logged once the hand-over is over: it comes after ready, and the veth
# is plugged ("devices") only when the guest has adopted.
check "the summon's timeline has ready, the hand-over and the plug" \
    eval 'wait_log "syn.example.org.: summon timeline" &&
     grep "syn.example.org.: summon timeline" "$work/log" |
     grep " devices=[0-9]* .*ready=[0-9]* handover=[0-9]* adopted=[0-9]*$"'

# The claim is over; its packet socket stays, for the next summon.
socks1=$(packet_socks)
check "jitsud's one packet socket is bound to the bridge (${socks1:-none})" \
    test "$(echo "$socks1" | wc -w)" = 2 -a \
    "${socks1#* }" = "$($H cat /sys/class/net/jtsbr0/ifindex)"

echo "synjitsu: the control: synjitsu=off, a client that knows the MAC"
experiment ctl 10.97.0.11 02:00:00:97:00:11
check_eq "dig gets the guest's address at once" \
    10.97.0.11 "$(cat "$work/dig.ctl")"
check "the client retransmitted its SYN ($(cat "$work/syns.ctl"))" \
    test "$(cat "$work/syns.ctl")" -gt 0
check "its connect took at least 1 s ($(ms ctl 1) ms)" \
    eval '[ "$(ms ctl 1)" -ge 1000 ]'
check "the response comes from the booted guest" \
    eval 'grep -q "Hello from a jitsu unikernel" "$work/body.ctl"'
check "nothing was handed to it" \
    eval '[ -f "$work/state/ctl.example.org.log" ] &&
     ! grep -q "synjitsu" "$work/state/ctl.example.org.log"'

check_eq "jitsud handed nothing over for it" \
    1 "$(metric jitsud_synjitsu_handovers_total)"

echo "synjitsu: synjitsu=on again, from a client that knows the MAC"
check "jitsuctl stop syn.example.org" \
    eval 'ctl stop syn.example.org. >/dev/null && wait_stopped syn.example.org.'
experiment syn 10.97.0.10 02:00:00:97:00:10
check "the client's connect returns in under 0.5 s ($(ms syn 1) ms)" \
    eval '[ "$(ms syn 1)" -lt 500 ]'
check_eq "no SYN was retransmitted" 0 "$(cat "$work/syns.syn")"
check "the response comes from the booted guest" \
    eval 'grep -q "Hello from a jitsu unikernel" "$work/body.syn"'
check_eq "jitsud_synjitsu_handovers_total is 2" \
    2 "$(metric jitsud_synjitsu_handovers_total)"
# Opening one costs the main thread an RCU grace period (synio.c).
socks2=$(packet_socks)
check "the second claim took the first's packet socket ($socks2)" \
    test -n "$socks1" -a "$socks1" = "$socks2"
check_eq "jitsud_synjitsu_handed_connections_total is 2" \
    2 "$(metric jitsud_synjitsu_handed_connections_total)"
check_eq "jitsud_synjitsu_adopted_connections_total is 2" \
    2 "$(metric jitsud_synjitsu_adopted_connections_total)"

echo "synjitsu: ready=tcp:80, which only the plugged guest can answer"
experiment tcp 10.97.0.13
check "the client's connect returns in under 0.5 s ($(ms tcp 1) ms)" \
    eval '[ "$(ms tcp 1)" -lt 500 ]'
check_eq "no SYN was retransmitted" 0 "$(cat "$work/syns.tcp")"
check "the response comes from the booted guest" \
    eval 'grep -q "Hello from a jitsu unikernel" "$work/body.tcp"'
check "it was plugged after adopting, and then found ready" \
    eval '[ "$(line_of "tcp.example.org.: synjitsu: .* plugged into jtsbr0")" \
       -lt "$(line_of "tcp.example.org.: booting -> ready")" ]'

echo "synjitsu: a host on the bridge forging the client's address"
# While syn boots, jts-evil sends SYNs whose source is the client's
# address from its own MAC: first while jitsud does not know the client
# (it asks, the client answers with another MAC), then once the client
# has asked for the guest itself.  A SYN-ACK to the forger's MAC would
# give it the ISN to complete a handshake in the client's name.
check "jitsuctl stop syn.example.org" \
    eval 'ctl stop syn.example.org. >/dev/null && wait_stopped syn.example.org.'
spoofed=$(metric jitsud_synjitsu_spoofed_total)
$C ip neigh flush dev eth0
$C dig @10.97.0.1 +short +time=5 syn.example.org > "$work/dig.spoof"
wait_boot syn.example.org || echo "no boot line from syn" >&2
check "a forged SYN, the client not known yet, gets no SYN-ACK" \
    $E "$synspoof" eth0 02:00:00:97:00:10 10.97.0.2 10.97.0.10 80 400
$C curl -s --max-time 20 -o "$work/body.spoof" http://10.97.0.10/ &
curl_pid=$!
sleep 0.3
check "a forged SYN, the client known, gets no SYN-ACK" \
    $E "$synspoof" eth0 02:00:00:97:00:10 10.97.0.2 10.97.0.10 80 400
wait $curl_pid
check "the real client is served meanwhile" \
    eval 'grep -q "Hello from a jitsu unikernel" "$work/body.spoof"'
check "jitsud counted both forgeries" \
    eval '[ "$(metric jitsud_synjitsu_spoofed_total)" -ge $((spoofed + 2)) ]'

echo "synjitsu: a guest without Synjitsu support (synjitsu=on)"
$C dig @10.97.0.1 +short +time=5 old.example.org > "$work/dig.old"
check_eq "dig gets its address at once" \
    10.97.0.12 "$(cat "$work/dig.old")"
check "it is plugged, never having asked for its connections" \
    eval 'wait_log "old.example.org.: synjitsu: .* plugged.*never asked"'
check "... after it was ready" \
    eval '[ "$(line_of "old.example.org.: booting -> ready")" -lt \
       "$(line_of "old.example.org.: synjitsu: .* plugged")" ]'
check "and serves" \
    eval '$C curl -sf --max-time 5 http://10.97.0.12:8080/ |
     grep -q "a guest without synjitsu"'
check_eq "jitsud_synjitsu_handovers_total is 4 (not 5)" \
    4 "$(metric jitsud_synjitsu_handovers_total)"
check_eq "jitsud_synjitsu_adopted_connections_total is 4" \
    4 "$(metric jitsud_synjitsu_adopted_connections_total)"

kill "$(cat "$work/jitsud.pid")"
wait "$(cat "$work/jitsud.pid")"
rc=$?
check "jitsud exits 0 on SIGTERM, no sanitizer report ($rc)" \
    eval '[ $rc = 0 ] && ! grep -q "Sanitizer\|runtime error" "$work/log"'
if [ "$T_FAILED" -ne 0 ] || [ "${VERBOSE:-0}" = 1 ]; then
	sed 's/^/    log| /' "$work/log"
	for f in "$work"/state/*.log; do
		b=$(basename "$f")
		sed "s#^#    $b| #" "$f"
	done
fi
finish $SUITE
