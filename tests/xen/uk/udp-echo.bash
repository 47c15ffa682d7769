#!/bin/bash
# udp-echo.bash -- send datagrams to a UDP echo server, check each comes back
#
# Usage: bash udp-echo.bash [-a] HOST PORT SRC SIZE...
# Sends one datagram per SIZE to HOST:PORT: datagram k is SIZE bytes of
# the file SRC from offset (k % 64) * 37, so consecutive ones differ and
# a late reply cannot pass for the next one's.  SRC must hold at least
# 2331 + the largest SIZE bytes.  The socket is connected (bash's
# /dev/udp), so the kernel hands it only replies from HOST:PORT itself.
# By default one datagram at a time, each reply awaited for 2 s (after 5
# lost in a row the rest are not sent); with -a all are sent first, then
# the replies are read and matched in any order.
# Prints `udp-echo: N sent, I back intact, L lost, W wrong`, then
# ` (K not sent)` if it gave up, and before that, one at a time, a line
# for each of the first 5 datagrams that did not come back intact.
# Exit status 0 only if every datagram came back intact, 1 if not, 2 on
# a usage or socket error.  Needs bash, dd, timeout, cmp, head, tail, wc
# (busybox's will do: it also runs in the Xen testbed's dom0).

set -u
all=0
if [ "${1:-}" = -a ]; then
	all=1
	shift
fi
if [ $# -lt 4 ]; then
	echo "usage: udp-echo.bash [-a] HOST PORT SRC SIZE..." >&2
	exit 2
fi
host=$1 port=$2 src=$3
shift 3
d=$(mktemp -d /tmp/udp-echo.XXXXXX) || exit 2
trap 'rm -rf "$d"' EXIT
exec 3<>"/dev/udp/$host/$port" || exit 2

# One dd block is one read(2) and one write(2): one datagram each way.
send() {
	dd if="$d/s$1" bs=2048 count=1 2>/dev/null >&3
}

recv() {
	timeout 2 dd bs=2048 count=1 <&3 >"$d/r$1" 2>/dev/null
}

size() {
	wc -c <"$1" | tr -d ' '
}

# with_reply K: the reply matching datagram K among r0.., taken from the
# pool (renamed), or status 1.
with_reply() {
	for _r in "$d"/r*; do
		if [ -f "$_r" ] && cmp -s "$d/s$1" "$_r"; then
			mv "$_r" "$d/matched$1"
			return 0
		fi
	done
	return 1
}

n=0
for len; do
	tail -c +$((n % 64 * 37 + 1)) "$src" | head -c "$len" >"$d/s$n"
	if [ "$(size "$d/s$n")" != "$len" ]; then
		echo "udp-echo: $src too short for datagram $n ($len bytes)" >&2
		exit 2
	fi
	n=$((n + 1))
done

# One at a time, a server that answers nothing would cost 2 s a datagram.
sent=0 gone=0
while [ $sent -lt $n ] && [ $gone -lt 5 ]; do
	send $sent ||
	    { echo "udp-echo: sending datagram $sent failed" >&2; exit 2; }
	if [ $all = 0 ]; then
		recv $sent
		[ -s "$d/r$sent" ] && gone=0 || gone=$((gone + 1))
	fi
	sent=$((sent + 1))
done
got=$sent
if [ $all = 1 ]; then
	# Replies until none comes for 2 s; those missing then are lost.
	got=0
	while [ $got -lt $n ] && recv $got && [ -s "$d/r$got" ]; do
		got=$((got + 1))
	done
	rm -f "$d/r$got"
fi

intact=0 lost=0 wrong=0 told=0
k=0
while [ $k -lt $sent ]; do
	if [ $all = 1 ]; then
		with_reply $k && intact=$((intact + 1))
	elif cmp -s "$d/s$k" "$d/r$k"; then
		intact=$((intact + 1))
	else
		if [ -s "$d/r$k" ]; then
			wrong=$((wrong + 1))
			why="$(size "$d/r$k") different bytes"
		else
			lost=$((lost + 1))
			why=nothing
		fi
		# Enough to see the pattern; the counts say the rest.
		[ $told -lt 5 ] && echo "udp-echo: datagram $k:" \
		    "sent $(size "$d/s$k") bytes, got $why back"
		told=$((told + 1))
	fi
	k=$((k + 1))
done
if [ $all = 1 ]; then
	lost=$((n - got))
	wrong=$((got - intact))
fi
rest=
[ $sent -lt $n ] && rest=" ($((n - sent)) not sent)"
echo "udp-echo: $sent sent, $intact back intact, $lost lost, $wrong wrong$rest"
[ $intact -eq $n ]
