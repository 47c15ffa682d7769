#!/bin/sh
# summon.sh -- jitsud with the process backend, end to end on this host: a
# query from a client namespace summons the guest, a burst of 1000
# concurrent queries builds it exactly once, curl reaches it, an idle stop
# removes it, the next query brings it back, and a jitsud killed with -9
# adopts the running guest after its restart.
#
# Everything runs in two namespaces made here: js-host (jitsud, bridge
# jsbr0 10.99.0.1/24, guests at 10.99.0.10) and js-client (10.99.0.2).
# Traffic stays inside them.  The guest (guest.sh) has no Synjitsu, and
# this suite is about queries held until the guest is ready: synjitsu=off
# (tests/system/synjitsu.sh has the stand-in).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
bin=${JITSUD_BIN:-$top/build/bin}
tools=$top/build/tools
work=$(mktemp -d /tmp/jitsud-summon.XXXXXX)
H="ip netns exec js-host"

# The namespaces and addresses are fixed: one run at a time.
exec 9>/tmp/jitsud-summon.lock
flock -w 300 9 || {
	echo "summon-system: 0 passed, 1 failed (another run holds the lock)"
	exit 1
}
C="ip netns exec js-client"

cleanup() {
	# Guests outlive jitsud by design (a restart adopts them), each in
	# a namespace of its own: end them through their pidfiles.
	for f in "$work/state"/*.pid; do
		[ -f "$f" ] && /bin/kill -KILL -- "-$(cut -d' ' -f1 "$f")" 2>/dev/null
	done
	[ -f "$work/jitsud.pid" ] && kill -9 "$(cat "$work/jitsud.pid")" \
	    2>/dev/null
	# jitsud itself runs in js-host.
	for p in $(ip netns pids js-host 2>/dev/null); do
		kill -9 "$p" 2>/dev/null
	done
	ip netns del js-client 2>/dev/null
	ip netns del js-host 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
cleanup 2>/dev/null
work=$(mktemp -d /tmp/jitsud-summon.XXXXXX)

ip netns add js-host
ip netns add js-client
$H ip link set lo up
$H ip link add jsbr0 type bridge
$H ip addr add 10.99.0.1/24 dev jsbr0
$H ip link set jsbr0 up
ip link add js-c type veth peer name eth0 netns js-client
ip link set js-c netns js-host
$H ip link set js-c master jsbr0 up
$C ip link set lo up
$C ip addr add 10.99.0.2/24 dev eth0
$C ip link set eth0 up

mkdir -p "$work/www" "$work/state"
echo "summoned page" > "$work/www/index.html"
cat > "$work/example.org.zone" <<EOF
\$ORIGIN example.org.
\$TTL 30
@	IN	SOA	ns1 hostmaster 1 3600 600 86400 30
@	IN	NS	ns1
ns1	IN	A	10.99.0.1
www	IN	UNIKERNEL	kernel=$top/tests/system/guest.sh cmdline="serve $work/www" ip=10.99.0.10 bridge=jsbr0 idle=2s stop=destroy max-wait=10s synjitsu=off
EOF
# rate-limit 0: the burst below sends 1000 queries for one name from one
# address, and each must be answered when the guest is ready; response
# rate limiting (200 a second by default) would drop or slip most.
cat > "$work/jitsud.conf" <<EOF
listen on 10.99.0.1
zone example.org.zone
control socket $work/jitsud.sock
backend process
state-dir $work/state
rate-limit 0
EOF

start_jitsud() {
	$H "$bin/jitsud" -d -f "$work/jitsud.conf" >> "$work/log" 2>&1 &
	echo $! > "$work/jitsud.pid"
	for _ in $(seq 50); do
		[ -S "$work/jitsud.sock" ] && return 0
		sleep 0.1
	done
	return 1
}

ctl() {
	$H "$bin/jitsuctl" -s "$work/jitsud.sock" "$@"
}

metric() {
	ctl metrics | awk -v m="$1" '$1 == m { print $2 }'
}

state() {
	ctl list | awk '$1 == "www.example.org." { print $2 }'
}

# Wait up to $1 tenths of a second for state $2.
wait_state() {
	_n=$1
	while [ "$_n" -gt 0 ]; do
		[ "$(state)" = "$2" ] && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

echo "summon: start"
start_jitsud
check_eq "jitsud starts with the process backend" 0 "$?"
check_eq "www is stopped before any query" stopped "$(state)"

echo "summon: a burst of 1000 concurrent queries for a cold name"
out=$($C "$tools/qburst" 10.99.0.1 53 www.example.org 1000 15)
echo "  $out"
check "every one of the 1000 queries got an answer" \
    eval 'echo "$out" | grep -q "replies=1000 noerror=1000"'
check_eq "... from exactly one summon" 1 "$(metric jitsud_summons_total)"
check_eq "... one build in the log" \
    1 "$(grep -c "stopped -> building" "$work/log")"
check "the guest is ready" eval '[ "$(state)" = ready ] || { ctl list; false; }'
tl=$(grep "www.example.org.: summon timeline" "$work/log")
check "the log has the summon's timeline, every process phase in order" \
    eval 'echo "$tl" | grep -Eq "query=0 build=[0-9]+ created=[0-9]+ devices=[0-9]+ unpaused=[0-9]+ ready=[0-9]+$" || { echo "    saw: $tl"; false; }'
check_eq "... in one line for the one summon" 1 "$(echo "$tl" | grep -c .)"
check "jitsuctl show lists the summon's phases" \
    eval 'ctl show www.example.org. | grep -q "^phase created [0-9]* ms$" &&
	ctl show www.example.org. | grep -q "^phase ready [0-9]* ms$"'
check_eq "the ready phase is in its histogram once" 1 \
    "$(metric 'jitsud_summon_phase_seconds_count{phase="ready"}')"
check_eq "dig from the client namespace gets its address" \
    10.99.0.10 "$($C dig @10.99.0.1 +short www.example.org)"
check "curl from the client namespace reaches the guest" \
    eval '$C curl -sf --max-time 5 http://10.99.0.10:8080/ | grep -q "summoned page"'

echo "summon: idle stop and re-summon"
check "after 2 s without queries or traffic it is stopped" \
    eval 'wait_state 60 stopped'
check "its veth is gone" \
    eval '! $H ip link show | grep -q "jv[0-9a-f]"'
check "the next query brings it back" \
    eval '[ "$($C dig @10.99.0.1 +time=10 +short www.example.org)" = 10.99.0.10 ] &&
     [ "$(state)" = ready ]'
check "that was the second summon" \
    eval '[ "$(metric jitsud_summons_total)" = 2 ] || { ctl metrics | grep summons; false; }'

echo "summon: kill -9 and restart"
kill -9 "$(cat "$work/jitsud.pid")"
sleep 0.2
check "the guest outlives jitsud" \
    eval '$C curl -sf --max-time 5 http://10.99.0.10:8080/ | grep -q "summoned page"'
builds=$(grep -c "stopped -> building" "$work/log")
rm -f "$work/jitsud.sock"
start_jitsud
check "the restarted jitsud adopts the running guest" eval 'wait_state 30 ready'
check "... without building it again" \
    eval '[ "$(grep -c "stopped -> building" "$work/log")" = "$builds" ] &&
     [ "$(metric jitsud_summons_total)" = 0 ]'
check_eq "and answers for it at once" \
    10.99.0.10 "$($C dig @10.99.0.1 +time=2 +short www.example.org)"
check "jitsuctl stop destroys it" \
    eval 'ctl stop www.example.org. && wait_state 30 stopped'

kill "$(cat "$work/jitsud.pid")"
[ "$T_FAILED" -ne 0 ] && sed 's/^/    log| /' "$work/log"
finish summon-system
