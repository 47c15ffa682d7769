#!/bin/bash
# hostcmd.sh -- run one client command for a test in dom0, on the host
#
# Usage (run.sh starts it inside the host namespace, see hostnet.sh):
#   hostcmd.sh ID CMD [ARG...]
# A test in dom0 asked for CMD with "@@TB HOST id=ID CMD ARG..." on the
# console (tb_host in tb.sh).  CMD runs here, timed with the host's clock
# (bash's EPOCHREALTIME: no fork in the measurement); its exit status, the
# time and its output go back to dom0 over the bridge, to the listener
# dom0-init started on 10.0.0.1:$HOSTCMD_PORT, as "ID RC MS" and the
# output.  The last line on stdout, "HOST id=ID rc=RC ms=MS CMD", is what
# run.sh logs.  Only the clients below may be run: the console of a
# machine under test does not get a shell on the host.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=hostnet.sh
. "$here/hostnet.sh"
HOSTCMD_PORT=${HOSTCMD_PORT:-7070}
HOSTCMD_LIMIT=${HOSTCMD_LIMIT:-120}

id=${1:?usage: hostcmd.sh ID CMD [ARG...]}
shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# syn_retrans: the namespace's count of retransmitted SYNs (TcpExt
# TCPSynRetrans; the namespace holds only this client's connections).
syn_retrans() {
	awk '$1 == "TcpExt:" {
		if (!n) { for (i = 2; i <= NF; i++) col[$i] = i; n = 1; next }
		print $col["TCPSynRetrans"] + 0; exit
	    }' /proc/net/netstat
}

# firstbyte NAME [PATH]: one client's first connection to a summoned
# name, as a browser makes it: its own resolver asks jitsud (the
# namespace's resolv.conf), then HTTP to the address answered.  curl
# times every stage from one start; printed in ms:
#   answer_ms      query sent until the answer (the guest's address)
#   connect_ms     until the TCP handshake completed
#   first_byte_ms  until the first byte of the reply
# and syn_retrans, the SYNs the kernel had to send again meanwhile.
firstbyte() {
	local r0 w rc
	r0=$(syn_retrans)
	# curl's error, if any, goes to stderr: hostcmd.sh returns it too.
	w=$(curl -4 -sS -o /dev/null --max-time 60 \
	    -w '%{time_namelookup} %{time_connect} %{time_starttransfer} %{http_code} %{remote_ip}' \
	    "http://$1/${2:-}")
	rc=$?
	echo "$w $(($(syn_retrans) - r0))" |
	    awk '{ printf "answer_ms=%.0f connect_ms=%.0f first_byte_ms=%.0f code=%s ip=%s syn_retrans=%d\n",
		$1 * 1000, $2 * 1000, $3 * 1000, $4, $5, $6 }'
	set -- $w
	[ $rc = 0 ] && [ "$4" -ge 200 ] && [ "$4" -lt 400 ]
}

# pollbyte IP: the first byte from a guest nobody announces (xl's): ask
# for its page until it answers, for at most 60 s.  Each attempt gives
# its SYN 50 ms (the client knows the guest's MAC: neigh), so the time
# from the request can be late by one attempt, at most about 60 ms.
pollbyte() {
	local end=$((SECONDS + 60))
	[[ $1 =~ ^10\.0\.0\.[0-9]+$ ]] || { echo "pollbyte: bad address"; return 1; }
	until curl -4 -sf -o /dev/null --connect-timeout 0.05 --max-time 10 \
	    "http://$1/"; do
		[ $SECONDS -lt $end ] || { echo "pollbyte: no answer in 60 s"; return 1; }
		sleep 0.01
	done
}

# startpoll IP: figure 1's xl run.  The clock starts, dom0 is told to
# create the guest (a connection to its port 7071, where it waits), and
# pollbyte follows; first_byte_ms is from the signal to the first byte.
# dom0 may not be listening yet when the request arrives: the clock
# starts at the connection that got through.
startpoll() {
	local t0 i
	for i in $(seq 100); do
		t0=$EPOCHREALTIME
		# dom0 is on the link: a port nobody listens on is refused
		# at once, so bash's own connect needs no bound.
		if { exec 3<> /dev/tcp/10.0.0.1/7071; } 2>/dev/null; then
			exec 3>&-
			pollbyte "$1" || return 1
			echo "first_byte_ms=$(ms_since "$t0") attempts=$i"
			return 0
		fi
		sleep 0.02
	done
	echo "startpoll: dom0 never listened on 10.0.0.1:7071"
	return 1
}

# qlat NAME SECONDS: a live name's DNS round trips, from the host, for
# SECONDS: qlat (built with the tools) asks jitsud every 50 ms, one query
# in flight, after one query not counted.  Each round trip (us) on a line
# of its own, then qlat's summary line, last: the bench pools the round
# trips of several windows.
qlat() {
	local stop bin=${B:-$here/../../build}/tools/qlat
	[[ $1 =~ ^[a-z0-9.-]+$ && $2 =~ ^[0-9]+$ ]] && [ "$2" -le 60 ] ||
	    { echo "qlat: bad name or seconds"; return 1; }
	[ -x "$bin" ] || { echo "qlat: $bin: not built"; return 1; }
	# One query first, not counted: the client's ARP for dom0 is not
	# jitsud's answer time.
	dig +short +time=2 +tries=2 @10.0.0.1 "$1" A > /dev/null 2>&1
	stop=$(mktemp -u)
	( sleep "$2"; touch "$stop" ) &
	"$bin" 10.0.0.1 53 "$1" "$stop" 50
	rm -f "$stop"
}

# pinglat IP SECONDS: the control for qlat: ICMP echo round trips to IP
# (dom0: its kernel answers, no process) every 50 ms for SECONDS; as
# qlat's, each round trip (us) on a line, then the summary, "pings=N
# lost=N max_us=N p50_us=N p99_us=N".  An echo not answered within 1 s
# counts as 1 s, as qlat counts a lost query as its 2 s bound: a window
# that loses some is not one of fewer, faster round trips.  A count, not
# a deadline: the last echo has its second too.  What the
# emulated machine itself adds to a round trip while guests build shows
# here, where jitsud plays no part.
pinglat() {
	[[ $1 =~ ^10\.0\.0\.[0-9]+$ && $2 =~ ^[0-9]+$ ]] && [ "$2" -le 60 ] ||
	    { echo "pinglat: bad address or seconds"; return 1; }
	ping -n -i 0.05 -W 1 -c $(($2 * 20)) "$1" |
	    awk '/ packets transmitted, / { sent = $1; got = $4 }
		sub(/.*time=/, "") { print int($1 * 1000) }
		END { for (i = got; i < sent; i++) print 1000000 }' |
	    sort -n |
	    awk '{ v[++n] = $1; print v[n]; if ($1 == 1000000) lost++ }
		END {
		    if (n == 0) { print "pings=0"; exit 1 }
		    printf "pings=%d lost=%d max_us=%d p50_us=%d p99_us=%d\n",
			n, lost, v[n], v[int(n / 2) + 1], v[int(n * 99 / 100) + 1]
		}'
}

# neigh IP MAC: the client knows a guest's MAC before it exists, so its
# first SYN goes out at once (the bench's lost-SYN case).  neigh alone
# shows what the client knows and its NIC's counters (a failed run's
# evidence: did the client send, did its NIC drop?); neigh IP forgets
# IP's MAC, so a first connection starts with ARP, as a real one does.
neigh() {
	[ $# != 0 ] || { ip neigh show; ip -s link show "$HOSTNET_TAP"; return; }
	if [ $# = 1 ]; then
		[[ $1 =~ ^10\.0\.0\.[0-9]+$ ]] || { echo "neigh: bad address"; return 1; }
		ip neigh del "$1" dev "$HOSTNET_TAP" 2>/dev/null
		return 0
	fi
	[[ $1 =~ ^10\.0\.0\.[0-9]+$ && $2 =~ ^([0-9a-f]{2}:){5}[0-9a-f]{2}$ ]] ||
	    { echo "neigh: bad address or MAC"; return 1; }
	ip neigh replace "$1" lladdr "$2" dev "$HOSTNET_TAP" nud permanent
}

# ms_since T0: milliseconds from EPOCHREALTIME T0 until now.
ms_since() {
	local t1=$EPOCHREALTIME
	echo $(((${t1/./} - ${1/./}) / 1000))
}

case ${1:-} in
firstbyte | pollbyte | startpoll | qlat | pinglat | neigh)
	t0=$EPOCHREALTIME
	"$@" > "$out" 2>&1
	rc=$?
	ms=$(ms_since "$t0")
	;;
dig | curl | ping)
	t0=$EPOCHREALTIME
	timeout "$HOSTCMD_LIMIT" "$@" > "$out" 2>&1
	rc=$?
	ms=$(ms_since "$t0")
	;;
*)
	echo "hostcmd: not an allowed client: ${1:-(none)}" > "$out"
	rc=127
	ms=0
	;;
esac

# Dom0's listener may be busy with another reply: try for a few
# seconds, each connection bounded (an unreachable dom0 would otherwise
# hold it for the kernel's SYN retries).
export id rc ms out HOSTCMD_PORT
sent=0
for _ in $(seq 50); do
	if timeout 5 bash -c '{ printf "%s %s %s\n" "$id" "$rc" "$ms"
	    cat "$out"; } 2>/dev/null > "/dev/tcp/10.0.0.1/$HOSTCMD_PORT"'
	then
		sent=1
		break
	fi
	sleep 0.1
done
[ $sent = 1 ] || echo "hostcmd: could not reply to dom0 for $id"
echo "HOST id=$id rc=$rc ms=$ms $*"
