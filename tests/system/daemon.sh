#!/bin/bash
# daemon.sh -- jitsud as an operator runs it, on loopback with real clients:
# dig over UDP and TCP, malformed packets, -n checks, SIGHUP and jitsuctl
# reloads (good and bad), metrics, and a clean SIGTERM.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
bin=${JITSUD_BIN:-$top/build/bin}
tools=$top/build/tools
# Under ASan freed memory waits in a quarantine (256 MiB by default): the
# TCP floods' memory check would measure it instead of jitsud.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
work=$(mktemp -d /tmp/jitsud-daemon.XXXXXX)
port=$((20000 + $$ % 20000))
mport=$((port + 2))
sock=$work/jitsud.sock
pid=""
fl="" # the rate limiting test's flood

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	[ -n "$fl" ] && kill "$fl" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

cp "$top/tests/dns/example.org.zone" "$work/example.org.zone"
cat > "$work/jitsud.conf" <<EOF
listen on 127.0.0.1 port $port
listen on ::1 port $port
zone example.org.zone
control socket $sock
backend process
state-dir $work/state
metrics listen on 127.0.0.1 port $mport
EOF

q() {
	dig @127.0.0.1 -p "$port" +time=2 +tries=1 "$@"
}

echo "daemon: configuration checks"
"$bin/jitsud" -n -f "$work/jitsud.conf" > "$work/n.out" 2>&1
rc=$?
check "-n accepts a good configuration" \
    eval '[ $rc -eq 0 ] && grep -q "configuration OK: 1 zone" "$work/n.out"'
"$bin/jitsud" -n -f "$top/tests/conf/bad-keywords.conf" \
    -f "$top/tests/conf/bad-paren.zone" > "$work/bad.out" 2>&1
rc=$?
check_eq "-n rejects a bad configuration with status 1" 1 "$rc"
check "-n names file and line of every error" \
    eval 'grep -q "bad-keywords.conf:16: unterminated quoted string" "$work/bad.out" &&
     grep -q "bad-paren.zone:4: .(. is never closed" "$work/bad.out"'

echo "daemon: serving"
"$bin/jitsud" -d -f "$work/jitsud.conf" 2> "$work/log" &
pid=$!
for _ in $(seq 50); do
	[ -S "$sock" ] && break
	sleep 0.1
done
check_eq "the control socket appears, mode 0600" \
    600 "$(stat -c %a "$sock")"
out=$(q ns1.example.org A +norec)
check "UDP: an authoritative answer" \
    eval 'echo "$out" | grep -q "flags: qr aa;" &&
     echo "$out" | grep -q "^ns1.example.org.[[:space:]]*30[[:space:]]*IN[[:space:]]*A[[:space:]]*192.0.2.53"'
out=$(q www.example.org A +norec)
check "a bound name whose unikernel cannot start gets SERVFAIL" \
    eval 'echo "$out" | grep -q "status: SERVFAIL"'
check "... and the reason is logged and shown by jitsuctl" \
    eval 'grep -q "www.example.org.: create failed" "$work/log" &&
     "$bin/jitsuctl" -s "$sock" show www.example.org. |
     grep -q "^last-error create failed"'
check_eq "TCP: the same answer" \
    192.0.2.53 "$(q ns1.example.org A +tcp +short)"
check_eq "IPv6 transport" \
    2001:db8::53 "$(dig @::1 -p "$port" +short ns1.example.org AAAA)"
check_eq "a CNAME chain is chased" \
    192.0.2.10 "$(q c5.example.org A +short | tail -n 1)"
check "NXDOMAIN carries the SOA" \
    eval 'q nothere.example.org A | grep -q "status: NXDOMAIN" &&
     q nothere.example.org A | grep -q "IN[[:space:]]*SOA"'
check "out-of-zone queries are REFUSED, not recursed" \
    eval 'q www.debian.org A | grep -q "status: REFUSED"'
check "an answer too big for 512 bytes sets TC" \
    eval 'q mid.example.org TXT +noedns +ignore | grep -q "flags: qr aa tc"'
check "dig's TCP retry then gets it whole" \
    eval '[ "$(q mid.example.org TXT +noedns +short | wc -l)" -ge 7 ]'

out=$("$bin/jitsuctl" -s "$sock" status)
check "jitsuctl status names version, backend, listen addresses and bindings" \
    eval 'echo "$out" | grep -q "^version [0-9]" &&
     echo "$out" | grep -q "^backend process$" &&
     echo "$out" | grep -q "^listen 127.0.0.1:$port$" &&
     echo "$out" | grep -q "^metrics 127.0.0.1:$mport$" &&
     echo "$out" | grep -q "^bindings [1-9]"'

echo "daemon: the metrics over HTTP"
murl=http://127.0.0.1:$mport
curl -s -D "$work/mhead" -o "$work/mbody" "$murl/metrics"
check "GET /metrics: 200, Prometheus text" \
    eval 'grep -q "^HTTP/1.1 200" "$work/mhead" &&
     grep -qi "^Content-Type: text/plain; version=0.0.4" "$work/mhead"'
check "the metrics name each binding with its state and boots" \
    eval 'grep -q "^jitsud_binding_state{name=\"www.example.org.\",state=\"[a-z]*\"} 1$" "$work/mbody" &&
     grep -q "^jitsud_binding_boot_seconds_count{name=\"www.example.org.\"} [0-9]*$" "$work/mbody"'
check "every line is a HELP, a TYPE or a sample" \
    eval '! grep -Ev "^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*\})? [-+0-9.e]+)$" "$work/mbody"'
check_eq "another path is 404" 404 \
    "$(curl -s -o /dev/null -w "%{http_code}" "$murl/")"
check_eq "a POST is refused (501: only GET and HEAD)" 501 \
    "$(curl -s -o /dev/null -w "%{http_code}" -d x "$murl/metrics")"

echo "daemon: malformed input"
printf 'garbage' > /dev/udp/127.0.0.1/$port
printf '\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x3fabc' \
    > /dev/udp/127.0.0.1/$port
head -c 3000 /dev/urandom > /dev/udp/127.0.0.1/$port
printf '\x00\x05hello' > "$work/tcpjunk"
exec 3<>/dev/tcp/127.0.0.1/$port && cat "$work/tcpjunk" >&3 && exec 3>&-
check_eq "the daemon still answers after garbage" \
    192.0.2.53 "$(q ns1.example.org A +short)"
check "malformed queries were counted" \
    eval '"$bin/jitsuctl" -s "$sock" metrics | grep -Eq "jitsud_(dropped_total [1-9]|responses_total\{rcode=\"FORMERR\"\} [1-9])"'

echo "daemon: reload"
echo 'new	IN	A	192.0.2.99' >> "$work/example.org.zone"
kill -HUP "$pid"
sleep 0.5
check_eq "SIGHUP loads the edited zone" \
    192.0.2.99 "$(q new.example.org A +short)"
out=$("$bin/jitsuctl" -s "$sock" reload 2>&1)
check "jitsuctl reload says what it did, then that it was taken" \
    eval 'echo "$out" | grep -q "^zones 1, bindings [1-9]" &&
     echo "$out" | grep -q "^bindings: 0 added, 0 removed" &&
     [ "$(echo "$out" | tail -n 1)" = "configuration reloaded" ]'
# A setting read at start only: said, not taken in silence.
sed -i "s|^state-dir .*|state-dir $work/state2|" "$work/jitsud.conf"
out=$("$bin/jitsuctl" -s "$sock" reload 2>&1)
check "a reload names the settings that need a restart" \
    eval 'echo "$out" | grep -q "^needs a restart: state-dir$"'
sed -i "s|^state-dir .*|state-dir $work/state|" "$work/jitsud.conf"
out=$("$bin/jitsuctl" -s "$sock" reload 2>&1)
check "... and none once it is back as it runs" \
    eval '! echo "$out" | grep -q "needs a restart"'
echo 'broken	IN	A	not-an-address' >> "$work/example.org.zone"
"$bin/jitsuctl" -s "$sock" reload > "$work/reload.out" 2>&1
rc=$?
check "a bad reload fails with the file:line reason" \
    eval '[ $rc -eq 1 ] && grep -q "example.org.zone:[0-9]*:" "$work/reload.out"'
check_eq "... and the old zone keeps serving" \
    192.0.2.99 "$(q new.example.org A +short)"
check "jitsuctl log shows why" \
    eval '"$bin/jitsuctl" -s "$sock" log | grep -q "reload failed"'
"$bin/jitsuctl" -s "$sock" nonsense > /dev/null 2>&1
check_eq "jitsuctl refuses an unknown command (status 2)" 2 "$?"

echo "daemon: forwarding"
# The upstream is a second jitsud serving example.net on the next port.
up=$((port + 1))
printf 'listen on 127.0.0.1 port %s\nzone %s\ncontrol socket %s\n%s\n' \
    "$up" "$top/tests/dns/example.net.zone" "$work/upstream.sock" \
    "backend process" > "$work/upstream.conf"
"$bin/jitsud" -d -f "$work/upstream.conf" 2> "$work/upstream.log" &
uppid=$!
sed -i '/^new\|^broken/d' "$work/example.org.zone"
echo "forwarder 127.0.0.1 port $up" >> "$work/jitsud.conf"
"$bin/jitsuctl" -s "$sock" reload
check_eq "reload turns forwarding on" 0 "$?"
sleep 0.3
check_eq "an out-of-zone name is answered by the forwarder (UDP)" \
    198.51.100.80 "$(q www.example.net A +short)"
check_eq "... and over TCP" \
    198.51.100.80 "$(q www.example.net A +tcp +short)"
check_eq "our own zone is still ours" \
    192.0.2.53 "$(q ns1.example.org A +short)"
check "the upstream's NXDOMAIN comes through" \
    eval 'q nope.example.net A | grep -q "status: NXDOMAIN"'
kill "$uppid"
wait "$uppid" 2>/dev/null
t0=$(date +%s%N)
out=$(q www.example.net A +time=5)
ms=$((($(date +%s%N) - t0) / 1000000))
check "a silent upstream gives SERVFAIL after the 2 s timeout (${ms} ms)" \
    eval 'echo "$out" | grep -q "status: SERVFAIL" && [ $ms -ge 1900 ] &&
     [ $ms -lt 4000 ]'
check "forwarding failures are counted" \
    eval '"$bin/jitsuctl" -s "$sock" metrics |
     grep -q "^jitsud_forward_failures_total 1"'
sed -i '/^forwarder/d' "$work/jitsud.conf"
kill -HUP "$pid"
sleep 0.3
check "without a forwarder it is REFUSED again" \
    eval 'q www.example.net A | grep -q "status: REFUSED"'

echo "daemon: response rate limiting"
# A burst of 2000 UDP queries from 127.0.1.1, past the default 200 a
# second for its /24: about 200 replies go whole, half of the rest are
# slipped (sent cut, TC set, so that a real client there asks again
# over TCP), the others dropped.
metric() {
	"$bin/jitsuctl" -s "$sock" metrics | awk -v m="$1" '$1 == m { print $2 }'
}
flood=$("$tools/qburst" 127.0.0.1 "$port" ns1.example.org 2000 1 127.0.1.1)
whole=$(echo "$flood" | sed -n 's/.* answered=\([0-9]*\) .*/\1/p')
slips=$(echo "$flood" | sed -n 's/.* truncated=\([0-9]*\).*/\1/p')
check "a flood from one source is limited ($flood)" \
    eval '[ "${whole:-0}" -ge 150 ] && [ "$whole" -le 600 ] &&
     [ "${slips:-0}" -ge 300 ]'
check "... dropped and slipped replies are counted" \
    eval '[ "$(metric jitsud_rrl_dropped_total)" -ge 600 ] &&
     [ "$(metric jitsud_rrl_slipped_total)" -ge 600 ]'
# Then a flood that lasts (dnsperf, 2000 queries a second, ten times
# the rate) while 127.0.2.1 asks over UDP and 127.0.1.1 over TCP.
echo "ns1.example.org A" > "$work/flood.queries"
dnsperf -s 127.0.0.1 -p "$port" -a 127.0.1.1 -d "$work/flood.queries" \
    -l 60 -Q 2000 -q 10000 -t 1 > /dev/null 2>&1 &
fl=$!
sleep 0.5
dropped0=$(metric jitsud_rrl_dropped_total)
others=0 tcp=0
for _ in $(seq 10); do
	[ "$(q -b 127.0.2.1 ns1.example.org A +short)" = 192.0.2.53 ] &&
	    others=$((others + 1))
	[ "$(q -b 127.0.1.1 ns1.example.org A +tcp +short)" = 192.0.2.53 ] &&
	    tcp=$((tcp + 1))
done
dropped=$(($(metric jitsud_rrl_dropped_total) - dropped0))
flooding=$(kill -0 "$fl" 2>/dev/null && echo yes)
kill "$fl" 2>/dev/null
wait "$fl" 2>/dev/null
fl=""
check_eq "the flood lasted while the others asked" yes "$flooding"
check "... and was being limited ($dropped replies dropped meanwhile)" \
    test "$dropped" -ge 100
check_eq "another source is answered every time" 10 "$others"
check_eq "TCP from the flooded source is answered every time" 10 "$tcp"
# Configured on reload: off, every reply goes.
echo "rate-limit 0" >> "$work/jitsud.conf"
out=$("$bin/jitsuctl" -s "$sock" reload 2>&1)
check "a reload applies rate-limit 0, and says so" \
    eval 'echo "$out" | grep -q "^rate-limit off$"'
check "with rate-limit 0 the same flood is answered in full" \
    "$tools/qburst" 127.0.0.1 "$port" ns1.example.org 2000 3 127.0.1.1
sed -i '/^rate-limit/d' "$work/jitsud.conf"
out=$("$bin/jitsuctl" -s "$sock" reload 2>&1)
check "... and back to the default" \
    eval 'echo "$out" | grep -q "^rate-limit 200/s, slip 2, /24 and /56$"'

echo "daemon: TCP clients that cost what they can"
# 32 clients pipeline queries and never read their answers, 32 more send
# a query a byte every 500 ms, for 8 s (tcp-timeout 2 s).  Unbounded, the
# first kind grew jitsud past a gigabyte and the second held their slots
# for ever.
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"; }
nfds() { ls "/proc/$pid/fd" | wc -l; }
echo "tcp-timeout 2" >> "$work/jitsud.conf"
kill -HUP "$pid"
sleep 0.3
rss0=$(rss_kb) fds0=$(nfds)
"$tools/tcpflood" 127.0.0.1 "$port" ns1.example.org 32 8 noread \
    > "$work/noread.out" &
f1=$!
"$tools/tcpflood" 127.0.0.1 "$port" ns1.example.org 32 8 trickle \
    > "$work/trickle.out" &
f2=$!
sleep 4
rss1=$(rss_kb) fds1=$(nfds)
check_eq "during the floods, UDP is answered" \
    192.0.2.53 "$(q ns1.example.org A +short)"
check_eq "during the floods, another TCP client is answered" \
    192.0.2.53 "$(q ns1.example.org A +tcp +short)"
wait "$f1" "$f2"
rss2=$(rss_kb)
grow=$(( (rss2 > rss1 ? rss2 : rss1) - rss0 ))
check "memory stays bounded (RSS grew ${grow} KiB; at most 64 MiB)" \
    test "$grow" -lt 65536
check "descriptors stay bounded ($fds0 before, $fds1 during)" \
    test "$fds1" -le $((fds0 + 64 + 8))
# A client is closed as slow once the kernel's buffers for it are full
# too (loopback's grow to megabytes): how many get there in 8 s depends
# on how fast this build answers (ASan, a busy machine), not on jitsud.
check "clients that never read are closed as slow ($(cat "$work/noread.out"))" \
    eval '! grep -q "closed=0 " "$work/noread.out" &&
     "$bin/jitsuctl" -s "$sock" metrics |
     grep -Eq "^jitsud_tcp_slow_closed_total [1-9]"'
check "the trickling clients were cut off ($(cat "$work/trickle.out"))" \
    grep -q "closed=32 " "$work/trickle.out"
sed -i '/^tcp-timeout/d' "$work/jitsud.conf"
kill -HUP "$pid"
sleep 0.3

echo "daemon: a second jitsud on the same addresses"
# SO_REUSEPORT would let it bind beside the first and take a share of
# its queries; it must refuse instead, naming the address.
timeout 10 "$bin/jitsud" -d -f "$work/jitsud.conf" > "$work/second.out" 2>&1
rc=$?
check "it refuses to start, naming the address in use" \
    eval '[ $rc -eq 1 ] && grep -q "127.0.0.1:$port/udp: the address is in use by another process" "$work/second.out"'
check "the first still answers" \
    eval '[ -n "$(q ns1.example.org A +short)" ]'

echo "daemon: shutdown"
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=""
check_eq "SIGTERM ends it cleanly" 0 "$rc"
check_not "and removes the control socket" test -e "$sock"

finish daemon-system
