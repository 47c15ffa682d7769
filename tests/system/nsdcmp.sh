#!/bin/sh
# nsdcmp.sh -- jitsud and NSD (Debian's nsd) serve the same zones on
# loopback; every section of every reply to tests/dns/nsdcmp.queries must
# agree, over UDP, EDNS, EDNS+DO and TCP, but for jitsud's two deliberate
# policies, which tests/tools/dnscmp.c applies to NSD's replies (no apex
# NS in the authority of positive answers; no UNIKERNEL addresses in the
# additional section).  NSD cannot read UNIKERNEL lines: its copy of each
# zone has them as the A and AAAA records jitsud makes of them.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
. "$top/tests/nsd.inc"
bin=${JITSUD_BIN:-$top/build/bin}
tools=$top/build/tools
work=$(mktemp -d /tmp/jitsud-nsdcmp.XXXXXX)
port=$((20000 + $$ % 20000 + 7))
nport=$((port + 1))
jpid=""

cleanup() {
	[ -n "$jpid" ] && kill "$jpid" 2>/dev/null
	if [ -f "$work/nsd.pid" ]; then
		npid=$(cat "$work/nsd.pid")
		kill "$npid" 2>/dev/null
		# NSD writes its files as it exits: let it finish first.
		for _ in $(seq 30); do
			kill -0 "$npid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	rm -rf "$work"
}
trap cleanup EXIT
[ -n "${NSDCMP_KEEP:-}" ] && trap - EXIT

if ! command -v nsd > /dev/null; then
	fail "nsd is installed (scripts/deps.sh)" nsd "nothing"
	finish nsdcmp
fi

zones="example.org example.net example.com p.example c.p.example u.p.example"
mkdir -p "$work/j" "$work/n" "$work/state"
cp "$top"/tests/dns/*.zone "$top/tests/dns/example.com.inc" "$work/j/"
cp "$top/tests/dns/example.com.inc" "$work/n/"
uk=""
for z in $zones; do
	# owner [ttl] [IN] UNIKERNEL ... ip=A ip6=B: the same owner, TTL and
	# class with A and AAAA.
	awk '{
		u = 0
		for (i = 1; i <= NF; i++) if ($i == "UNIKERNEL") u = i
		if (u == 0) { print; next }
		head = ""
		for (i = 1; i < u; i++) head = head $i "\t"
		for (i = u + 1; i <= NF; i++) {
			if ($i ~ /^ip=/) print head "A\t" substr($i, 4)
			if ($i ~ /^ip6=/) print head "AAAA\t" substr($i, 5)
		}
	}' "$work/j/$z.zone" > "$work/n/$z.zone"
	for n in $(awk '$0 !~ /^[ \t;$]/ && / UNIKERNEL |\tUNIKERNEL\t/ {
		print $1 }' "$work/j/$z.zone"); do
		case $n in
		*.) uk="$uk -u $n" ;;
		*) uk="$uk -u $n.$z." ;;
		esac
	done
done

{
	echo "listen on 127.0.0.1 port $port"
	for z in $zones; do echo "zone $work/j/$z.zone"; done
	echo "control socket $work/jitsud.sock"
	echo "backend process"
	echo "state-dir $work/state"
	# As NSD's below: the comparison is of answers, from one address.
	echo "rate-limit 0"
} > "$work/jitsud.conf"
{
	nsd_conf "$work" "$work/n" "127.0.0.1@$nport"
	for z in $zones; do printf 'zone:\n\tname: %s\n\tzonefile: %s.zone\n' \
	    "$z" "$z"; done
} > "$work/nsd.conf"

"$bin/jitsud" -d -f "$work/jitsud.conf" 2> "$work/jitsud.log" &
jpid=$!
nsd -c "$work/nsd.conf" 2> "$work/nsd.err"
for _ in $(seq 50); do
	dig @127.0.0.1 -p "$port" +time=1 +tries=1 example.org SOA \
	    > /dev/null 2>&1 &&
	    dig @127.0.0.1 -p "$nport" +time=1 +tries=1 example.org SOA \
		> /dev/null 2>&1 && break
	sleep 0.2
done
check "both servers answer" eval \
    'dig @127.0.0.1 -p "$port" +short example.org SOA | grep -q . &&
     dig @127.0.0.1 -p "$nport" +short example.org SOA | grep -q .'

# shellcheck disable=SC2086
"$tools/dnscmp" $uk -z example.org. -z example.net. -z example.com. \
    -z p.example. -z c.p.example. -z u.p.example. \
    "$port" "$nport" "$top/tests/dns/nsdcmp.queries" > "$work/cmp.out" 2>&1
rc=$?
grep -v "^dnscmp:" "$work/cmp.out" | head -n 300
check_eq "every section of every reply agrees with NSD's" 0 "$rc"
# Four ways of asking each query of the list.
n=$(grep -c '^[^;[:space:]]' "$top/tests/dns/nsdcmp.queries")
check "dnscmp compared the whole list" \
    grep -q "^dnscmp: $((n * 4)) replies compared, 0 differ" "$work/cmp.out"
tail -n 1 "$work/cmp.out"
check "jitsud logged no error" eval '! grep -q "error\|fatal" "$work/jitsud.log"'
finish nsdcmp
