# uk-armhf.sh -- the libOS's test unikernels on Xen on ARM (arm32 zImages)
#
# Run from the repo top, after make -C unikernels ARCH=armhf:
#   TESTBED_ARCH=armhf scripts/testbed/run.sh uk-armhf
# As uk/selftests.sh on x86: each test unikernel (NAME.armhf, 4 MiB,
# uk/uk-TEST-armhf.cfg) boots from `xl create`, prints SUCCESS or FAILURE
# on its console ring, which xenconsoled logs, and powers off; a second
# step checks the domain went away, which only a clean poweroff does (the
# configs preserve a crashed one).  crash reports three faults and
# crashes; net brings up netfront and does an ARP round trip; echo (the
# app) echoes UDP and TCP from the client namespace (uk.inc's uk_echo).

UK_SFX=-armhf
. /testbed/tests/uk.inc

for img in /testbed/unikernels/*.armhf; do
	tb_say "INFO image $(basename "$img") $(stat -c %s "$img") bytes"
done

uk_run uk-hello$UK_SFX
tb_step uk-hello$UK_SFX-poweroff 10 tb_until uk_gone uk-hello$UK_SFX
uk_run uk-xenstore$UK_SFX
tb_step uk-xenstore$UK_SFX-poweroff 10 tb_until uk_gone uk-xenstore$UK_SFX
uk_run uk-time$UK_SFX
tb_step uk-time$UK_SFX-poweroff 10 tb_until uk_gone uk-time$UK_SFX
# Every exception is reported from a stack of its own, the store with sp
# in unmapped memory too (x86's double-fault case), and ends in
# SHUTDOWN_crash.
uk_run uk-crash$UK_SFX
tb_step uk-crash$UK_SFX-reported 10 tb_until uk_crashed uk-crash$UK_SFX \
    "data abort: FSR"
uk_run uk-crash-ud$UK_SFX
tb_step uk-crash-ud$UK_SFX-reported 10 tb_until uk_crashed \
    uk-crash-ud$UK_SFX "undefined instruction"
uk_run uk-crash-sp$UK_SFX
tb_step uk-crash-sp$UK_SFX-reported 10 tb_until uk_crashed \
    uk-crash-sp$UK_SFX "data abort: FSR"
tb_step uk-crash-sp$UK_SFX-with-its-sp 10 grep -q "^uk: pc .* sp 0x90000000 " \
    "$(uk_log uk-crash-sp$UK_SFX)"
uk_run uk-hello-wait$UK_SFX
# Waiting for xl shutdown, it blocks (SCHEDOP_block, woken through the
# GIC): over 3 s idle it may use a little CPU, not the 3 s a spin would.
uk_cpu_s() {
	xl list "$1" | awk -v n="$1" '$1 == n { print $6 }'
}
uk_idles() {
	_c0=$(uk_cpu_s "$1") && sleep 3 && _c1=$(uk_cpu_s "$1") || return 1
	echo "cpu time $_c0 s, 3 s later $_c1 s"
	awk -v a="$_c0" -v b="$_c1" 'BEGIN { exit !(b - a < 0.5) }'
}
tb_step uk-hello-wait$UK_SFX-idle-blocks 20 uk_idles uk-hello-wait$UK_SFX &&
    tb_say "INFO uk-hello-wait$UK_SFX-idle $(tail -n 1 "$TB_TMP/step.out")"
tb_step uk-hello-wait$UK_SFX-xl-shutdown 30 uk_xl_shutdown uk-hello-wait$UK_SFX
# Gratuitous ARP only makes neighbour entries where arp_accept is on.
echo 1 > /proc/sys/net/ipv4/conf/br0/arp_accept
uk_run uk-net$UK_SFX
tb_step uk-net$UK_SFX-arp-seen-by-dom0 10 tb_until uk_net_seen
tb_step uk-net$UK_SFX-poweroff 10 tb_until uk_gone uk-net$UK_SFX
uk_echo

# Crashed domains were preserved for the checks above; do not leave them.
for d in uk-crash uk-crash-ud uk-crash-sp; do
	uk_gone "$d$UK_SFX" || xl destroy "$d$UK_SFX"
done
