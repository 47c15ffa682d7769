#!/bin/sh
# dns.sh -- queries per second for live names: jitsud against NSD serving
# the same zone, side by side in one run, measured with dnsperf.
#
# Both servers run in a network namespace of their own (jb-host), single
# instance each, on the same machine and the same query mix: a static A
# record and a bound name whose guest is running (jitsud asks the
# lifecycle layer for every such answer; NSD serves it as a plain A).
# Writes bench/dns.txt.  Only the ratio means something on a shared
# 2-core machine.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/nsd.inc"
bin=$top/build/bin
out=$top/bench/dns.txt
secs=${BENCH_SECONDS:-10}
work=$(mktemp -d /tmp/jitsud-bench.XXXXXX)
H="ip netns exec jb-host"

cleanup() {
	set +e
	# Guests outlive jitsud by design (a restart adopts them), each in
	# a namespace and process group of its own: end them through their
	# pidfiles; then the two servers, by the pids kept when started.
	for f in "$work/state"/*.pid; do
		[ -f "$f" ] && /bin/kill -KILL -- "-$(cut -d' ' -f1 "$f")" 2>/dev/null
	done
	for f in "$work/jitsud.pid" "$work/nsd.bg.pid" "$work/nsd.pid"; do
		[ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	ip netns del jb-host 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
# A run that was killed may have left its namespace behind.
ip netns del jb-host 2>/dev/null || true

for t in nsd dnsperf; do
	command -v $t > /dev/null || {
		echo "bench: $t missing (run scripts/deps.sh)" >&2
		exit 1
	}
done

ip netns add jb-host
$H ip link set lo up
$H ip link add jbbr0 type bridge
$H ip addr add 10.98.0.1/24 dev jbbr0
$H ip link set jbbr0 up

mkdir -p "$work/www" "$work/state"
echo page > "$work/www/index.html"
head='$ORIGIN example.org.
$TTL 30
@	IN	SOA	ns1 hostmaster 1 3600 600 86400 30
@	IN	NS	ns1
ns1	IN	A	10.98.0.1'
printf '%s\nwww\tIN\tUNIKERNEL\tkernel=%s cmdline="serve %s" ip=10.98.0.10 bridge=jbbr0 idle=0\n' \
    "$head" "$top/tests/system/guest.sh" "$work/www" > "$work/jitsud.zone"
printf '%s\nwww\tIN\tA\t10.98.0.10\n' "$head" > "$work/nsd.zone"
# rate-limit 0, as NSD's rrl-ratelimit below: this measures answers
# under load from one address, not rate limiting's drops.
cat > "$work/jitsud.conf" <<EOF
listen on 127.0.0.1 port 5301
zone jitsud.zone
control socket $work/jitsud.sock
backend process
state-dir $work/state
rate-limit 0
EOF
{
	nsd_conf "$work" "$work" 127.0.0.1@5302
	printf 'zone:\n\tname: example.org\n\tzonefile: nsd.zone\n'
} > "$work/nsd.conf"
printf 'ns1.example.org A\nwww.example.org A\n' > "$work/queries"

$H "$bin/jitsud" -d -f "$work/jitsud.conf" 2> "$work/jitsud.log" &
echo $! > "$work/jitsud.pid"
$H nsd -d -c "$work/nsd.conf" 2> "$work/nsd.err" &
echo $! > "$work/nsd.bg.pid"
sleep 1
# Summon the guest once, so www is a live name for the whole run.
$H dig @127.0.0.1 -p 5301 +short +time=10 www.example.org > /dev/null

qps() {
	$H dnsperf -s 127.0.0.1 -p "$1" -d "$work/queries" -l "$secs" \
	    -c 4 -Q 1000000 2>&1 | awk '/Queries per second/ { print $4 }'
}

echo "bench: dnsperf ${secs}s against jitsud"
j=$(qps 5301)
echo "bench: dnsperf ${secs}s against NSD"
n=$(qps 5302)
summons=$($H "$bin/jitsuctl" -s "$work/jitsud.sock" metrics |
    awk '$1 == "jitsud_summons_total" { print $2 }')
{
	echo "# jitsud vs NSD, queries per second for live names"
	echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, dnsperf -c 4, ${secs}s each"
	echo "# query mix: ns1.example.org A (static), www.example.org A (bound, guest running)"
	echo "# nsd $(nsd -v 2>&1 | head -n 1 | awk '{ print $3 }'), one server process each"
	echo "jitsud_qps $j"
	echo "nsd_qps $n"
	echo "ratio_jitsud_over_nsd $(awk -v j="$j" -v n="$n" 'BEGIN { printf "%.2f", j / n }')"
	echo "jitsud_summons_during_run $summons"
} > "$out"
cat "$out"
