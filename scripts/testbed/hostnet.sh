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
# run left is removed before a new one.

HOSTNET_NS=jt-tbhost
HOSTNET_TAP=jt-tbtap0
HOSTNET_ADDR=10.0.0.200/24

# hostnet_wanted TESTFILE: the test asks for the host client.
hostnet_wanted() {
	[ "${TESTBED_HOSTNET:-0}" = 1 ] ||
	    grep -q '^# testbed:.*\bhostnet\b' "$1"
}

# hostnet_down: remove the namespace, its tap and its resolver file.  The
# tap is deleted by name first: a QEMU left running by a killed run keeps
# the old namespace alive after its name is gone, tap and all.
hostnet_down() {
	if ip netns list 2>/dev/null | grep -q "^$HOSTNET_NS\b"; then
		ip -n "$HOSTNET_NS" link del "$HOSTNET_TAP" 2>/dev/null
		ip netns del "$HOSTNET_NS" 2>/dev/null
	fi
	rm -rf "/etc/netns/$HOSTNET_NS"
	rmdir /etc/netns 2>/dev/null
	return 0
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

# The QEMU arguments of the NIC, and the command QEMU is started with.
hostnet_qemu_args() {
	echo "-netdev tap,id=hn0,ifname=$HOSTNET_TAP,script=no,downscript=no" \
	    "-device e1000,netdev=hn0"
}

hostnet_exec() {
	ip netns exec "$HOSTNET_NS" "$@"
}
