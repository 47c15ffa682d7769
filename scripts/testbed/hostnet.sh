# shellcheck shell=bash
# hostnet.sh -- the host end of the testbed's second NIC (sourced by run.sh)
#
# A test that asks for it (TESTBED_HOSTNET=1, or a line "# testbed: hostnet"
# in the test) gets an emulated e1000 whose host side is a tap device in a
# network namespace of its own, HOSTNET_NS, at HOSTNET_ADDR; dom0 enslaves
# the NIC to br0 (10.0.0.1/24).  A client there runs on the host's CPUs and
# clock, not on the emulated dom0's: what it measures is what a client
# outside the machine would see.  The tap never touches the host's own
# network: it is created inside the namespace, and QEMU is started in it.
# The names are fixed (runs hold /tmp/jt-testbed.lock); whatever a crashed
# run left is removed before a new one.  The harness's self-test uses a
# namespace of its own, so it cannot disturb a run.

HOSTNET_NS=${HOSTNET_NS:-jt-tbhost}
HOSTNET_TAP=jt-tbtap0
HOSTNET_ADDR=10.0.0.200/24

# hostnet_wanted TESTFILE: the test asks for the host client.
hostnet_wanted() {
	case ${TESTBED_HOSTNET:-} in
	1) return 0 ;;
	0) return 1 ;;
	esac
	grep -q '^# testbed:.*\bhostnet\b' "$1"
}

# hostnet_down: remove the namespace, its tap and its resolver file.
# What still runs in it can only be a run's own QEMU and host clients,
# left by a run that was killed (kill -9 skips run.sh's clean-up): they
# would go on stealing the CPU from the next run, so they are ended, by
# pid.  The tap is deleted by name too: a process that survived would
# keep the old namespace alive after its name is gone, tap and all.
hostnet_down() {
	# run.sh runs under set -e: nothing here may fail.
	[ -e "/run/netns/$HOSTNET_NS" ] || {
		rm -rf "/etc/netns/$HOSTNET_NS"
		return 0
	}
	for _p in $(ip netns pids "$HOSTNET_NS" 2>/dev/null || true); do
		kill -9 "$_p" 2>/dev/null || true
	done
	ip -n "$HOSTNET_NS" link del "$HOSTNET_TAP" 2>/dev/null || true
	ip netns del "$HOSTNET_NS" 2>/dev/null || true
	rm -rf "/etc/netns/$HOSTNET_NS"
	rmdir /etc/netns 2>/dev/null || true
}

# hostnet_up: a fresh namespace with loopback and the tap, addressed and
# up before QEMU attaches to it.  "ip netns exec" bind-mounts
# /etc/netns/NS/resolv.conf over /etc/resolv.conf, so a client's own
# resolver asks dom0's jitsud, and waits as long as jitsud may hold an
# answer (30 s, glibc's upper bound) instead of retrying after 5 s.
hostnet_up() {
	hostnet_down
	[ "$(id -u)" = 0 ] || { echo "hostnet: needs root" >&2; return 1; }
	ip netns add "$HOSTNET_NS" || return 1
	ip -n "$HOSTNET_NS" link set lo up &&
	    ip -n "$HOSTNET_NS" tuntap add dev "$HOSTNET_TAP" mode tap &&
	    ip -n "$HOSTNET_NS" addr add "$HOSTNET_ADDR" dev "$HOSTNET_TAP" &&
	    ip -n "$HOSTNET_NS" link set "$HOSTNET_TAP" up || return 1
	# No IPv6 chatter (router solicitations, DAD) on the bridge under test.
	hostnet_exec sysctl -qw "net.ipv6.conf.$HOSTNET_TAP.disable_ipv6=1"
	mkdir -p "/etc/netns/$HOSTNET_NS"
	printf 'nameserver 10.0.0.1\noptions timeout:30 attempts:1\n' \
	    > "/etc/netns/$HOSTNET_NS/resolv.conf"
}

# The QEMU arguments of the NIC.
hostnet_qemu_args() {
	echo "-netdev tap,id=hn0,ifname=$HOSTNET_TAP,script=no,downscript=no" \
	    "-device e1000,netdev=hn0"
}

# hostnet_exec CMD...: CMD in the namespace (the host's clients).
hostnet_exec() {
	ip netns exec "$HOSTNET_NS" "$@"
}
