# tb.sh -- test helpers inside the testbed dom0 (sourced by dom0-init)
#
# The verdicts are tests/lib.sh's (installed as /testbed/lib.sh): a step
# passes or fails through pass and fail, with "@@TB " before each line.
# The host harness (run.sh) reads the serial console and acts on lines that
# start with "@@TB ":
#   @@TB PASS <step> ms=<n>        a step succeeded, and how long it took
#   @@TB FAIL <step>: expected success within <n>s, saw <why>
#                                  a step failed (its output follows)
#   @@TB LOG <title> / @@TB ENDLOG a block to show the user verbatim
#   @@TB <test>: <n> passed, <m> failed   the closing count
#   @@TB END rc=<n>                the test is over; QEMU may be killed
# Console lines can interleave with kernel messages, so every marker is
# written in a single write(2) by a single printf.
# TB_LIB and TB_TMP (the library, the scratch directory) let the host's
# harness self-test run the step runner outside dom0.

# shellcheck disable=SC2034 # lib.sh reads it
T_PREFIX="@@TB "
# shellcheck source=../../tests/lib.sh
. "${TB_LIB:-/testbed/lib.sh}"
TB_TMP=${TB_TMP:-/tmp}

# Debian's static busybox runs its own applets in preference to PATH, and
# its ip has no netns, bridge or veth support: always use iproute2.
ip() {
	/usr/bin/ip "$@"
}

# The architecture dom0 runs on, in Debian's words (amd64, arm64, armhf).
case $(uname -m) in
aarch64) TB_ARCH=arm64 ;;
armv7*) TB_ARCH=armhf ;;
*) TB_ARCH=amd64 ;;
esac

# tb_cfg NAME: the xl config of the test guest NAME for this
# architecture: /testbed/tests/NAME-ARCH.cfg where one exists (a guest
# whose kernel or type differs per architecture), else NAME.cfg.
tb_cfg() {
	if [ -f "/testbed/tests/$1-$TB_ARCH.cfg" ]; then
		echo "/testbed/tests/$1-$TB_ARCH.cfg"
	else
		echo "/testbed/tests/$1.cfg"
	fi
}

tb_say() {
	printf '@@TB %s\n' "$*"
}

# Milliseconds since dom0 booted (10 ms resolution, from /proc/uptime).
tb_now() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

# tb_uptime: tb_now's value in TB_UPTIME, with builtins only: a start
# being timed must not wait for a fork and an exec of awk (30-40 ms of
# the emulated CPUs).  The hundredths with a 1 before them: "08" is not
# octal then.
tb_uptime() {
	read -r _tbu _ < /proc/uptime
	TB_UPTIME=$((${_tbu%.*} * 1000 + (1${_tbu#*.} - 100) * 10))
}

tb_log() {
	_title=$1
	shift
	tb_say "LOG $_title"
	"$@" 2>&1 | sed 's/^@@TB /@@tb /'
	tb_say "ENDLOG"
}

# Kill a process and all its descendants (busybox sh has no process groups
# outside job control, and a step may be a shell function with children).
tb_killtree() {
	for _c in $(awk -v p="$1" '$4 == p { print $1 }' /proc/[0-9]*/stat \
	    2>/dev/null); do
		tb_killtree "$_c"
	done
	kill -9 "$1" 2>/dev/null
}

# tb_run SECONDS CMD [ARG...]: run CMD (a program or a shell function) in
# the background with a deadline; output goes to $TB_TMP/step.out.  Sets
# TB_RC (124 on timeout) and TB_MS (the command's own duration, measured
# where it ends).
tb_run() {
	_limit=$1
	shift
	rm -f "$TB_TMP/step.end" "$TB_TMP/step.late"
	_t0=$(tb_now)
	( "$@"; _r=$?; tb_now > "$TB_TMP/step.end"; exit $_r ) \
	    > "$TB_TMP/step.out" 2>&1 &
	_pid=$!
	# The deadline and the heartbeat (so that the host's console-silence
	# watchdog, which catches hangs, does not take a long step for one)
	# each sleep in a process of their own, and this shell blocks in
	# wait: a step is not slowed by its own watch.  Polling here every
	# 50 ms cost three forks a turn, taken from the emulated CPUs that
	# the builds being timed need.
	( sleep "$_limit"; : > "$TB_TMP/step.late"; tb_killtree "$_pid" ) \
	    > /dev/null 2>&1 &
	_dog=$!
	( _s=0; while sleep 30; do _s=$((_s + 30)); tb_say "WAIT ${_s}s"; done ) &
	_beat=$!
	wait "$_pid"
	TB_RC=$?
	tb_killtree "$_dog"
	tb_killtree "$_beat"
	wait "$_dog" "$_beat" 2>/dev/null
	if [ -f "$TB_TMP/step.late" ] && [ ! -f "$TB_TMP/step.end" ]; then
		TB_RC=124
		TB_MS=$((_limit * 1000))
		return
	fi
	TB_MS=$(($(cat "$TB_TMP/step.end" 2>/dev/null || tb_now) - _t0))
}

# What a step that did not succeed came to, for its FAIL line.
tb_why() {
	if [ "$TB_RC" -eq 124 ]; then
		echo "a timeout after ${TB_MS} ms"
	else
		echo "exit status $TB_RC after $TB_MS ms"
	fi
}

# tb_step NAME SECONDS CMD [ARG...]: run CMD with a deadline, report it.
tb_step() {
	_name=$1
	_lim=$2
	shift
	tb_run "$@"
	if [ "$TB_RC" -eq 0 ]; then
		pass "$_name" "ms=$TB_MS"
		return 0
	fi
	fail "$_name" "success within ${_lim}s" "$(tb_why)"
	tb_log "output of step $_name" cat "$TB_TMP/step.out"
	return 1
}

# tb_require NAME SECONDS CMD...: a step the rest of the test depends
# on: when it fails, the test ends there (with every log) instead of
# piling up failures that only repeat the first.
tb_require() {
	tb_step "$@" || tb_end 1
}

# tb_expect_fail NAME SECONDS CMD...: a step that must fail (self-tests).
tb_expect_fail() {
	_name=$1
	shift
	_lim=$1
	tb_run "$@"
	if [ "$TB_RC" -eq 0 ]; then
		fail "$_name" "failure within ${_lim}s" "success"
		return 1
	fi
	pass "$_name" "ms=$TB_MS (failed as expected: $(tb_why))"
	tb_log "output of step $_name" cat "$TB_TMP/step.out"
}

# Retry CMD once every 0.2 s until it succeeds; tb_step bounds the time.
tb_until() {
	until "$@" > /dev/null 2>&1; do
		sleep 0.2
	done
}

# Run a command inside the client network namespace ("the outside world").
tb_client() {
	ip netns exec client "$@"
}

# XenStore requests, for tests that start with "# testbed: xstrace"
# (xenstored then traces every request to /tmp/xenstored.trace).
# tb_xs_mark prints where the trace ends now; tb_xs_ops MARK prints the
# requests since MARK: "total=N" and the count of each connection (the
# toolstack, dom0's kernel, xenconsoled, the guest, a script), largest
# first, as "conns=N1,N2,...".
tb_xs_mark() {
	wc -l < /tmp/xenstored.trace
}

tb_xs_ops() {
	sed -n "$(($1 + 1)),\$p" /tmp/xenstored.trace | awk '
	    $1 == "IN" { n[$2]++; total++ }
	    END {
		for (c in n) print n[c]
		print "total", total + 0
	    }' | sort -rn | awk '
	    $1 == "total" { t = $2; next }
	    { c = c (c == "" ? "" : ",") $1 }
	    END { printf "total=%d conns=%s\n", t, c == "" ? "-" : c }'
}

# tb_host CMD [ARG...]: run a client on the host, outside the emulated
# machine, and wait for it: a test that asks for "# testbed: hostnet"
# (scripts/testbed/hostnet.sh; hostcmd.sh lists the clients allowed).
# Prints CMD's output and returns its exit status; the milliseconds the
# host measured go to $TB_TMP/host.ms.  The arguments travel as one
# console line: none may hold white space.  The request goes straight to
# the console (a step's output is a file), and the wait is a blocking
# read of a FIFO that host-reply writes: dom0 spends no CPU while the
# host measures.  Nor just before: the FIFO is opened read-write, so the
# open waits for no writer, and the bound is read's own timeout, not a
# timer process, whose fork and exec (30-40 ms of the emulated CPUs) had
# run beside the first milliseconds of what the host measures.
# TB_HOST_WAIT: how long to wait for the reply (150 s).
tb_host() {
	[ -f /run/hostnet ] || {
		echo "tb_host: no host network (the test lacks # testbed: hostnet)"
		return 1
	}
	_hid=$(cut -c1-8 /proc/sys/kernel/random/uuid)
	_hf=/tmp/host/$_hid
	mkdir -p /tmp/host
	mkfifo "$_hf.fifo"
	exec 8<> "$_hf.fifo"
	tb_say "HOST id=$_hid $*" > "${TB_CONSOLE:-/dev/console}"
	# busybox's read -t: neither a background job ending nor SIGCHLD
	# cuts it short (measured); a timeout is a failed read.
	_hrc=""
	read -r -t "${TB_HOST_WAIT:-150}" _hrc <&8 || _hrc=124
	exec 8<&-
	rm -f "$_hf.fifo"
	[ "$_hrc" != 124 ] || [ -f "$_hf.rc" ] || {
		echo "tb_host: no reply from the host in ${TB_HOST_WAIT:-150} s"
		return 124
	}
	cat "$_hf.out"
	cp "$_hf.ms" "$TB_TMP/host.ms"
	# A status that is not a number would end the whole script.
	_hrc=$(cat "$_hf.rc" 2>/dev/null)
	case $_hrc in
	"" | *[!0-9]*) return 1 ;;
	esac
	return "$_hrc"
}

# tb_capture FILE: every frame on br0 (link headers, epoch times) into
# FILE, from a second from now until tb_capture_end.
tb_capture() {
	tcpdump -Z root -i br0 -nn -e -l -tt > "$1" 2>&1 &
	TB_CAPTURE=$!
	sleep 1
}

tb_capture_end() {
	kill "$TB_CAPTURE" 2>/dev/null
}

# tb_ifstats IFACE...: each interface's packet counters, from sysfs: a
# `sh -c' in dom0 gets busybox's ip, which has no -s.
tb_ifstats() {
	for _i in "$@"; do
		_s=/sys/class/net/$_i/statistics
		[ -d "$_s" ] || { echo "$_i: no such interface"; continue; }
		echo "$_i: rx_packets $(cat $_s/rx_packets)" \
		    "rx_dropped $(cat $_s/rx_dropped)" \
		    "tx_packets $(cat $_s/tx_packets)" \
		    "tx_dropped $(cat $_s/tx_dropped)"
	done
}

# tb_vifring DIR: one vif's counters and netback's view of its rings.
tb_vifring() {
	tb_ifstats "${1##*/}"
	cat "$1/io_ring_q0"
}

# tb_netback: every vif's packet counters and netback's view of its
# rings (requests and responses each way, the event indices), then
# Xen's event channel table: what a guest that serves but does not
# answer leaves to tell which way the frames stopped.
tb_netback() {
	[ -d /sys/kernel/debug/xen-netback ] ||
	    mount -t debugfs none /sys/kernel/debug 2> /dev/null
	for _v in /sys/kernel/debug/xen-netback/vif*; do
		[ -e "$_v" ] || continue
		tb_log "netback ${_v##*/}" tb_vifring "$_v"
	done
	# dom0's interrupt for each vif ring (a count that stopped says the
	# event never reached netback) and what netback or the event code
	# warned about, from the whole log, not just its tail.
	tb_log "vif interrupts" sh -c 'grep -E "CPU|vif" /proc/interrupts'
	tb_log "dom0 kernel warnings" sh -c \
	    'dmesg | grep -iE "netback|eoi|warning|call trace|evtchn|event channel" | tail -n 60'
	tb_log "Xen event channels (debug key e)" sh -c \
	    'xl debug-keys e; xl dmesg | awk "/event-channel/ { n = NR } { l[NR] = \$0 } END { for (i = n; i <= NR && i > 0; i++) print l[i] }" | tail -n 120'
}

# Show everything a failure needs to be understood: every guest console,
# the domain list, dom0's kernel log tail and Xen's own log tail.
tb_dump_logs() {
	# Our unikernels say what state they are in (sysrq: their time,
	# timers, stack counters, rings) before their consoles are shown.
	for _d in $(xl list 2>/dev/null | awk 'NR > 2 { print $1 }'); do
		xl sysrq "$_d" n > /dev/null 2>&1
	done
	sleep 1
	for _f in /var/log/xen/console/*.log; do
		[ -f "$_f" ] && tb_log "console $(basename "$_f" .log)" cat "$_f"
	done
	tb_log "xl list" xl list
	tb_netback
	tb_log "dom0 dmesg (tail)" sh -c 'dmesg | tail -n 40'
	tb_log "xl dmesg (tail)" sh -c 'xl dmesg | tail -n 40'
}

# tb_end [RC]: report the count and the verdict (RC, or whether a step
# failed), and power the machine off.
tb_end() {
	_rc=${1:-}
	tb_say "$(summary "${TB_TEST:-test}")"
	[ -n "$_rc" ] || { [ "$T_FAILED" -eq 0 ]; _rc=$?; }
	if [ "$_rc" -ne 0 ]; then
		[ -f /tmp/jitsud.log ] && tb_log "jitsud log" cat /tmp/jitsud.log
		[ -f /var/log/xen/vif-jitsu.log ] &&
		    tb_log "vif-jitsu log" cat /var/log/xen/vif-jitsu.log
		tb_dump_logs
	fi
	tb_say "END rc=$_rc"
	sync
	poweroff -f
	sleep 60
}
