# selftests.sh -- boot each libOS test unikernel (PVH, 4 MiB), check its verdict
#
# Run from the repo top:
#   TESTBED_OUT=build/testbed-uk scripts/testbed/run.sh uk/selftests
# selftests-pv.sh runs the same tests on the PV binding (UK_BIND=pv): the
# NAME.pv images, with the configs and domains called uk-TEST-pv.
# Every test unikernel prints SUCCESS or FAILURE on its console, then
# powers off.  Per unikernel there is one step from `xl create` to the
# verdict in xenconsoled's log (its ms= is the create-to-verdict time) and
# one that checks the domain went away, which only a clean poweroff does:
# the configs preserve crashed domains.  hello-wait then proves that
# `xl shutdown` reaches the libOS through XenStore control/shutdown, and
# crash that a CPU exception (also a double fault) is reported and ends in
# SHUTDOWN_crash; net
# brings up netfront and does an ARP round trip with dom0's bridge.
# After net, the echo app (apps/echo, uk-echo.cfg) on netfront and the
# libOS stack, checked from the client namespace: UDP datagrams through
# uk.h's UDP API (udp-echo.bash, bash's /dev/udp: one, 50 of sizes
# 1..1472 one at a time, 4 at once) and 200000 bytes of TCP through
# busybox nc come back intact; after `xl shutdown` its own counts say
# nothing was dropped.

UK_BIND=${UK_BIND:-pvh}
UK_SFX=""
[ "$UK_BIND" = pvh ] || UK_SFX="-$UK_BIND"
. /testbed/tests/uk.inc

# uk_crashed_by_xen NAME: a fault whose frame Xen could not write (PV has
# no IST stack to switch to) ended the domain from Xen itself.
uk_crashed_by_xen() {
	_id=$(xl domid "$1") || return 1
	xl list "$1" | awk -v n="$1" '$1 == n { print $5 }' | grep -q c &&
	    xl dmesg | grep -q "domain_crash_sync called from entry.S" &&
	    xl dmesg | grep -q "Domain $_id (vcpu#0) crashed"
}

for img in /testbed/unikernels/*."$UK_BIND"; do
	tb_say "INFO image $(basename "$img") $(stat -c %s "$img") bytes"
done

uk_run uk-hello$UK_SFX
tb_step uk-hello$UK_SFX-poweroff 10 tb_until uk_gone uk-hello$UK_SFX
uk_run uk-xenstore$UK_SFX
tb_step uk-xenstore$UK_SFX-poweroff 10 tb_until uk_gone uk-xenstore$UK_SFX
uk_run uk-time$UK_SFX
tb_step uk-time$UK_SFX-poweroff 10 tb_until uk_gone uk-time$UK_SFX
uk_run uk-crash$UK_SFX
tb_step uk-crash$UK_SFX-reported 10 tb_until uk_crashed uk-crash$UK_SFX \
    "14 (page fault)"
uk_run uk-crash-ud$UK_SFX
tb_step uk-crash-ud$UK_SFX-reported 10 tb_until uk_crashed uk-crash-ud$UK_SFX \
    "6 (invalid opcode)"
# A fault that cannot push its frame: reported from the #DF IST stack,
# where without one the CPU would triple-fault silently.  A PV guest has
# neither: Xen fails to write the frame and crashes the domain itself.
uk_run uk-crash-df$UK_SFX
if [ "$UK_BIND" = pv ]; then
	tb_step uk-crash-df$UK_SFX-crashed-by-xen 10 tb_until uk_crashed_by_xen \
	    uk-crash-df$UK_SFX
else
	tb_step uk-crash-df-reported 10 tb_until uk_crashed uk-crash-df \
	    "8 (double fault)"
fi
# Gratuitous ARP only makes neighbour entries where arp_accept is on.
echo 1 > /proc/sys/net/ipv4/conf/br0/arp_accept
uk_run uk-net$UK_SFX
tb_step uk-net$UK_SFX-arp-seen-by-dom0 10 tb_until uk_net_seen
tb_step uk-net$UK_SFX-poweroff 10 tb_until uk_gone uk-net$UK_SFX
uk_echo
uk_run uk-hello-wait$UK_SFX
tb_step uk-hello-wait$UK_SFX-xl-shutdown 30 uk_xl_shutdown uk-hello-wait$UK_SFX

# Crashed domains were preserved for the checks above; do not leave them.
for d in uk-hello uk-xenstore uk-time uk-crash uk-crash-ud uk-crash-df \
    uk-net uk-echo uk-hello-wait; do
	uk_gone "$d$UK_SFX" || xl destroy "$d$UK_SFX"
done
