#!/bin/sh
# scale.sh -- what bound names cost: zones of 1 000 to 10 000 UNIKERNEL
# names, the time jitsud -n takes to load each and its peak RSS, then a
# jitsud serving it (process backend, no guest running): its RSS once it
# answers.  Writes bench/scale.txt (SCALE_OUT); SCALE_NAMES lists the
# sizes (tests/system/scale.sh checks 10 000 against the targets).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/build/bin
out=${SCALE_OUT:-$top/bench/scale.txt}
work=$(mktemp -d /tmp/jitsud-scale.XXXXXX)
port=$((30000 + $$ % 10000))
pid=""

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# zone N: N bound names n0..n(N-1), all on one kernel, addresses in 10/8.
zone() {
	awk -v n="$1" -v k="$work/k.unix" 'BEGIN {
		print "$ORIGIN big.test.\n$TTL 30"
		print "@ IN SOA ns hostmaster 1 3600 600 86400 60"
		print "@ IN NS ns\nns IN A 192.0.2.1"
		for (i = 0; i < n; i++)
			printf "n%d IN UNIKERNEL kernel=%s ip=10.%d.%d.%d\n",
			    i, k, int(i / 62500) + 1, int(i / 250) % 250,
			    i % 250 + 1
	}'
}

printf '#!/bin/sh\nexec sleep 3600\n' > "$work/k.unix"
chmod +x "$work/k.unix"
{
	echo "# jitsud with N bound names, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "# load_ms and load_rss_kib: jitsud -n (wall clock, peak RSS);"
	echo "# serve_rss_kib: a jitsud serving the zone (process backend,"
	echo "# no guest running) once it answers; per_1000: serve_rss_kib"
	echo "# per 1000 names; answered: it answered a static name (a bound"
	echo "# one would summon its guest)"
	echo "# names load_ms load_rss_kib serve_rss_kib per_1000_kib answered"
} > "$out.tmp"
for n in ${SCALE_NAMES:-1000 2000 5000 10000}; do
	zone "$n" > "$work/big.zone"
	cat > "$work/j.conf" <<EOF
listen on 127.0.0.1 port $port
zone big.zone
control socket $work/s.sock
backend process
state-dir $work/state
EOF
	t0=$(date +%s%N)
	/usr/bin/time -f %M -o "$work/time" "$bin/jitsud" -n -f "$work/j.conf" \
	    > /dev/null 2>&1 || echo "scale: jitsud -n failed for $n" >&2
	load_ms=$((($(date +%s%N) - t0) / 1000000))
	load_rss=$(cat "$work/time")
	"$bin/jitsud" -d -f "$work/j.conf" 2> "$work/log" &
	pid=$!
	ans=no
	for _ in $(seq 100); do
		if [ "$(dig @127.0.0.1 -p "$port" +short +time=1 +tries=1 \
		    ns.big.test A 2>/dev/null)" = 192.0.2.1 ]; then
			ans=yes
			break
		fi
		sleep 0.1
	done
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=""
	echo "$n $load_ms $load_rss $rss $((rss * 1000 / n)) $ans" >> "$out.tmp"
	echo "scale: $n names: load ${load_ms} ms, RSS ${rss} KiB"
done
mv "$out.tmp" "$out"
