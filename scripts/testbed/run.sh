#!/bin/bash
# run.sh -- boot Xen + the busybox dom0 under QEMU (TCG), run one test, report
#
# Usage: run.sh TEST
#   TEST names tests/xen/TEST.sh, which runs inside dom0 (see tb.sh).
# Environment:
#   TESTBED_ARCH     amd64 (default), arm64 or armhf: the machine
#                    emulated, and the Xen, kernel and dom0 programs it
#                    boots (arm64: qemu-system-aarch64, a Cortex-A57 with
#                    GICv3; armhf: qemu-system-arm, a Cortex-A15 with
#                    GICv2 and Debian's armmp-lpae kernel; each with
#                    Debian's packages of its architecture in CACHE/ARCH,
#                    the project's programs from build/ARCH (make
#                    ARCH=...), logs in OUT/ARCH)
#   TESTBED_CACHE    package cache (default build/cache)
#   TESTBED_OUT      logs and results (default build/testbed)
#   TESTBED_TIMEOUT  whole-run limit in seconds (default 300)
#   TESTBED_STALL    limit on console silence in seconds (default 90)
#   TESTBED_MEM      QEMU memory in MiB (default 1024)
#   TESTBED_DOM0_MEM dom0's memory in MiB (default 384; the bench's 32
#                    parallel xl creates need more)
#   TESTBED_CPUS     the machine's CPUs (default 2; x86's bench runs 1:
#                    see the comment at QEMU's command below)
#   TESTBED_QEMU_EXTRA  extra QEMU arguments (the self-test uses -S)
#   TESTBED_HOSTNET  1: give the machine the host client's NIC (hostnet.sh),
#                    as a test with a line "# testbed: hostnet" gets it
#                    unless this is 0 (the bench on armhf, whose e1000
#                    stops sending after a while)
#   TESTBED_ARGS     extra words for dom0's command line, read by the test
#                    (the bench: jitsu.bench=fig1+fig2 jitsu.runs=2; no
#                    commas: QEMU splits -initrd, which carries them, there)
# A test may ask for options in a line "# testbed: OPTION...":
#   hostnet          the host client's NIC (see TESTBED_HOSTNET)
#   xstrace          xenstored traces every request (tb_xs_ops counts them)
#   oxenstored       dom0 runs oxenstored, Debian's default, instead of
#                    the C xenstored (also TESTBED_XENSTORED=oxenstored)
# Exit status: 0 if the test passed, 1 if it failed, 2 if the testbed itself
# broke (QEMU died, hung, or the test never reported an end).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=hostnet.sh
. "$here/hostnet.sh"
test=${1:?usage: run.sh TEST}
arch=${TESTBED_ARCH:-amd64}
cache=${TESTBED_CACHE:-$top/build/cache}
out=${TESTBED_OUT:-$top/build/testbed}
# The project's programs that dom0 gets (mkdom0.sh): BUILD/bin and
# BUILD/tools, BUILD being build/ or, for arm64 and armhf, the
# cross-build's build/ARCH.
build=$top/build
case $arch in
amd64) ;;
arm64 | armhf)
	cache=$cache/$arch
	out=$out/$arch
	build=$top/build/$arch
	;;
*)
	echo "testbed: unknown TESTBED_ARCH $arch (amd64, arm64 or armhf)" >&2
	exit 2
	;;
esac
limit=${TESTBED_TIMEOUT:-300}
stall=${TESTBED_STALL:-90}
mem=${TESTBED_MEM:-1024}
cpus=${TESTBED_CPUS:-2}
dom0_mem=${TESTBED_DOM0_MEM:-384}

[ -f "$top/tests/xen/$test.sh" ] || {
	echo "testbed: no such test: tests/xen/$test.sh" >&2
	exit 2
}
# The project's programs the test names (its own text and the .inc files
# it sources) must be built: mkdom0.sh copies what is there, and a test
# whose jitsud is missing would only hang until the stall watchdog.
for f in "$top/tests/xen/$test.sh" $(sed -n 's#^\. /testbed/tests/\(.*\.inc\).*#'"$top"'/tests/xen/\1#p' \
    "$top/tests/xen/$test.sh"); do
	for t in "$top"/src/jitsud.c "$top"/src/jitsuctl.c "$top"/tests/tools/*.c; do
		n=$(basename "$t" .c)
		[ -f "$f" ] && grep -qw -- "$n" "$f" || continue
		[ -x "$build/bin/$n" ] || [ -x "$build/tools/$n" ] || {
			echo "testbed: $test runs $n, which is not built" \
			    "(in ${build#"$top"/}): make first" >&2
			exit 2
		}
	done
done
# Debian's default xenstored, for a test that asks for it or for any with
# TESTBED_XENSTORED=oxenstored; such a run's logs are named for it.
oxen=0
tag=$test
if grep -q '^# testbed:.* oxenstored' "$top/tests/xen/$test.sh" ||
    [ "${TESTBED_XENSTORED:-}" = oxenstored ]; then
	oxen=1
	case $test in
	*oxenstored*) ;;
	*) tag=$test-oxenstored ;;
	esac
fi
log=$out/$tag.serial.log
# A test in a subfolder (uk/selftests) logs in a subfolder too.
mkdir -p "$(dirname "$log")"
results=$out/$tag.results
t_start=$(date +%s%N)

# The closing count every suite prints: the steps' PASS and FAIL lines; a
# run that ended badly without a FAIL line (a dom0 set-up failure, a
# testbed error) counts as one failure more.
count_line() {
	_p=$(grep -c '^PASS ' "$results" || true)
	_f=$(grep -c '^FAIL ' "$results" || true)
	if [ "$1" != 0 ] && [ "$_f" -eq 0 ]; then
		_f=1
	fi
	echo "$test: $_p passed, $_f failed${2:+ ($2)}"
}

elapsed() {
	echo $((($(date +%s%N) - t_start) / 1000000))
}

say() {
	printf 'testbed: [%6.1fs] %s\n' "$(echo "$(elapsed)" | awk '{ print $1 / 1000 }')" "$*"
}

if [ "$arch" = amd64 ]; then
	say "preparing images for $test"
	"$here/fetch.sh" "$cache"
	"$here/mkguest.sh" "$cache" "$out/guests/linux" >/dev/null
	"$here/mkdom0.sh" "$cache" "$out/guests" "$out/dom0.cpio" >/dev/null
	if [ ! -f "$out/xen.elf" ] || [ "$cache/stamp" -nt "$out/xen.elf" ]
	then
		zcat "$cache/root/boot/xen-4.17-amd64.gz" > "$out/xen.elf"
	fi
else
	say "preparing $arch images for $test"
	"$here/fetch.sh" "$cache" "$arch"
	"$here/mkguest.sh" "$cache" "$out/guests/linux" "$arch" >/dev/null
	"$here/mkdom0.sh" "$cache" "$out/guests" "$out/dom0.cpio" "$arch" \
	    >/dev/null
fi
kver=$(cat "$cache/kver")

# Xen: serial console, fixed dom0 memory, no boot-time scrubbing (slow
# under TCG).  The CPU model gives PVH guests SVM+NPT (Debian's Xen has no
# shadow paging) and dom0 RDRAND (else libuuid blocks on entropy).
xen_args="console=com1 dom0_mem=${dom0_mem}M,max:${dom0_mem}M bootscrub=false"
xen_args="$xen_args noreboot"
xen_args="$xen_args loglvl=all guest_loglvl=all"
# rootfs as ramfs, not tmpfs: tmpfs caps it at half of dom0's memory, and
# the image (~90 MB unpacked, next to its own copy while it unpacks) came
# within a few MB of that cap ("Initramfs unpacking failed: write error").
dom0_args="console=hvc0 earlyprintk=xen loglevel=4 rootfstype=ramfs"
dom0_args="$dom0_args jitsu.test=$test"
# Per-test options, from a "# testbed: OPTION..." line in the test.
if grep -q '^# testbed:.* xstrace' "$top/tests/xen/$test.sh"; then
	dom0_args="$dom0_args jitsu.xstrace=1"
fi
[ "$oxen" = 0 ] || dom0_args="$dom0_args jitsu.xenstored=oxenstored"
dom0_args="$dom0_args${TESTBED_ARGS:+ $TESTBED_ARGS}"
rm -f "$log"
: > "$log"

# The host client's NIC, for a test that asks for it; QEMU then runs in
# the namespace that holds the tap.
qemu_pre=""
qemu_net="-net none"
hostnet=0
if hostnet_wanted "$top/tests/xen/$test.sh"; then
	hostnet=1
	hostnet_up || {
		echo "testbed: cannot set up the host network ($HOSTNET_NS)" >&2
		exit 2
	}
	# A command, not a function: ip execs QEMU, so $! is QEMU's pid.
	qemu_pre="ip netns exec $HOSTNET_NS"
	qemu_net=$(hostnet_qemu_args)
	dom0_args="$dom0_args jitsu.hostnet=1"
fi

# The arm64 machine: QEMU's virt board with EL2 (virtualization=on) and
# GICv3, a Cortex-A57.  Xen is an arm64 Image that -kernel loads; its
# dom0 kernel and initramfs are guest-loader devices, which QEMU describes
# in the device tree as Xen's boot modules (/chosen/module@ADDR).  QEMU
# loads Xen and its own device tree low in RAM (from 0x40000000): the
# kernel goes at 0x49000000, as measured for armhf, and the initramfs
# after it on a 16 MiB boundary (Xen's log: "Loading d0 kernel from boot
# module @ ...").  Debian's arm64 vmlinuz is an uncompressed Image, which
# Xen copies into dom0's memory as it is.  Xen's console is the PL011; dom0's
# hvc0 goes through Xen to it, as on x86.  Not given: noreboot (x86's;
# here dom0's power-off makes Xen halt the machine, "Hardware Dom0
# halted", and QEMU ends at once) and dom0_mem's max: part.
# shellcheck disable=SC2086
qemu_arm64() {
	local kimg=$cache/root/boot/vmlinuz-$kver kaddr=$((0x49000000)) iaddr
	local xargs="console=dtuart dtuart=/pl011@9000000"
	xargs="$xargs dom0_mem=${dom0_mem}M bootscrub=false"
	# Debian's arm64 Xen defaults to the SILO security module, which
	# refuses event channels and grants between two unprivileged
	# domains (EVTCHNOP_alloc_unbound for another domU fails); x86's
	# has no XSM at all.  The dummy module is x86's behaviour: guests
	# may talk to each other (vchan between unikernels, conduit).
	xargs="$xargs xsm=dummy"
	xargs="$xargs loglvl=all guest_loglvl=all"
	iaddr=$(((kaddr + $(stat -c %s "$kimg") + 0xffffff) & ~0xffffff))
	# exec: run in the background, this function's subshell becomes
	# QEMU, and $! is QEMU's pid, as stop_qemu needs.
	exec $qemu_pre qemu-system-aarch64 -accel tcg \
	    -machine virt,virtualization=on,gic-version=3 -cpu cortex-a57 \
	    -m "$mem" -smp "$cpus" -display none -monitor none -no-reboot \
	    -serial "file:$log" $qemu_net \
	    -kernel "$cache/root/boot/xen-4.17-arm64" -append "$xargs" \
	    -device "guest-loader,addr=$(printf 0x%x $kaddr),kernel=$kimg,bootargs=${dom0_args//,/,,}" \
	    -device "guest-loader,addr=$(printf 0x%x $iaddr),initrd=$out/dom0.cpio" \
	    ${TESTBED_QEMU_EXTRA:-}
}

# The armhf machine, as measured for Debian 12's armhf Xen: the virt
# board with EL2 and a GICv2 (Debian's armhf Xen has no GICv3 driver),
# a Cortex-A15 (with LPAE and the virtualization extensions; -cpu max
# would be a Cortex-A57) and highmem=off, which keeps the PCIe ECAM and
# the rest of the board below 4 GiB (with it above, dom0 hangs, silently,
# when it probes PCI).  Xen's and dom0's kernels are zImages: -kernel
# loads Xen's as it is, and Xen's domain builder unpacks nothing (the
# zImage decompresses itself in dom0's memory), so the initramfs goes
# right after the zImage as on arm64.  Xen maps dom0's memory 1:1: it
# must fit in one block of the machine's RAM (dom0_mem=256M in a 512 MiB
# machine panics).  SILO is the default here too: xsm=dummy as on arm64.
# Every trap above is silent: no console output at all.
# shellcheck disable=SC2086
qemu_armhf() {
	local kimg=$cache/root/boot/vmlinuz-$kver kaddr=$((0x49000000)) iaddr
	local xargs="console=dtuart dtuart=/pl011@9000000"
	xargs="$xargs dom0_mem=${dom0_mem}M bootscrub=false xsm=dummy"
	xargs="$xargs loglvl=all guest_loglvl=all"
	iaddr=$(((kaddr + $(stat -c %s "$kimg") + 0xffffff) & ~0xffffff))
	exec $qemu_pre qemu-system-arm -accel tcg \
	    -machine virt,virtualization=on,gic-version=2,highmem=off \
	    -cpu cortex-a15 \
	    -m "$mem" -smp "$cpus" -display none -monitor none -no-reboot \
	    -serial "file:$log" $qemu_net \
	    -kernel "$cache/root/boot/xen-4.17-armhf" -append "$xargs" \
	    -device "guest-loader,addr=$(printf 0x%x $kaddr),kernel=$kimg,bootargs=${dom0_args//,/,,}" \
	    -device "guest-loader,addr=$(printf 0x%x $iaddr),initrd=$out/dom0.cpio" \
	    ${TESTBED_QEMU_EXTRA:-}
}

if [ "$arch" != amd64 ]; then
	dom0_args=${dom0_args/earlyprintk=xen/earlycon=xenboot}
	if [ "$arch" = arm64 ]; then
		qemu_arm64 &
	else
		qemu_armhf &
	fi
else
# shellcheck disable=SC2086
# Single-threaded TCG: QEMU 7.2's multi-threaded TCG now and then walks
# correct nested page tables as "not present" on the first fetch after a
# VMRUN (measured: 5 triple faults in 210 PVH boots; 0 in 220 with
# thread=single), which a test would report as our bug.
# One thread runs every emulated CPU in turn, and it moves on from a
# busy CPU only when that CPU halts or after QEMU's 100 ms kick period
# (TCG_KICK_PERIOD), whatever Xen's scheduler meant: a guest woken on
# one CPU waits while dom0 works on the other.  Tests keep two CPUs
# (dom0 with two vCPUs, builders on both); the bench runs one
# (TESTBED_CPUS=1), where Xen's own scheduler interleaves dom0 and the
# guests at its finer grain and no compute is lost, since two emulated
# CPUs never had more than one host core between them.
$qemu_pre qemu-system-x86_64 -accel tcg,thread=single \
    -cpu qemu64,+svm,+npt,+rdrand \
    -m "$mem" -smp "$cpus" -display none -vga none -monitor none -no-reboot \
    -serial "file:$log" $qemu_net \
    -kernel "$out/xen.elf" -append "$xen_args" \
    -initrd "$cache/root/boot/vmlinuz-$kver $dom0_args,$out/dom0.cpio" \
    ${TESTBED_QEMU_EXTRA:-} &
fi
qpid=$!
# Reap QEMU quietly: bash would otherwise report the job as "Killed".
# The host clients still running go with it, then their namespace.
hostjobs=""
stop_qemu() {
	kill -9 $qpid 2>/dev/null || true
	wait $qpid 2>/dev/null || true
	for _j in $hostjobs; do
		kill "$_j" 2>/dev/null || true
	done
	[ $hostnet = 0 ] || hostnet_down
}
trap stop_qemu EXIT

# host_client ID CMD...: a test's tb_host request, run on the host in
# the background (the console keeps being watched meanwhile); its
# "HOST id= rc= ms=" line joins the results.
host_client() {
	local r
	r=$(hostnet_exec "$here/hostcmd.sh" "$@" | tail -n 1)
	say "$r"
	echo "$r" >> "$results"
}
say "QEMU started (pid $qpid), log $log"

# Follow the serial log: echo the markers, watch for the end, a QEMU that
# died, a run over its time, or a console silent for too long.
shown=0
last_size=0
last_change=$(date +%s)
verdict=""
inlog=0
: > "$results"
while :; do
	lines=$(wc -l < "$log")
	if [ "$lines" -gt "$shown" ]; then
		while IFS= read -r line; do
			# hvc0 through Xen's serial turns \n into \r\r\n.
			line=${line%%$'\r'*}
			case $line in
			"@@TB LOG "*) inlog=1; echo "----- ${line#@@TB LOG } -----" ;;
			"@@TB ENDLOG"*) inlog=0; echo "-----" ;;
			"@@TB HOST id="*)
				[ $hostnet = 1 ] || continue
				req=${line#@@TB HOST id=}
				# Word splitting, without globbing, makes the
				# arguments (tb_host sends no white space in one).
				set -f
				# shellcheck disable=SC2086
				host_client ${req%% *} ${req#* } &
				set +f
				hostjobs="$hostjobs $!"
				;;
			"@@TB "*)
				say "${line#@@TB }"
				echo "${line#@@TB }" >> "$results"
				case $line in
				"@@TB END rc="*) verdict=${line#@@TB END rc=} ;;
				esac
				;;
			*) [ $inlog -eq 1 ] && echo "  $line" ;;
			esac
		done < <(sed -n "$((shown + 1)),${lines}p" "$log")
		shown=$lines
	fi
	[ -n "$verdict" ] && break

	size=$(stat -c %s "$log")
	now=$(date +%s)
	if [ "$size" -ne "$last_size" ]; then
		last_size=$size
		last_change=$now
	fi
	why=""
	if grep -aq "Hardware Dom0 crashed\|Kernel panic - not syncing" "$log"
	then
		why="dom0 crashed (see the panic below)"
	elif ! kill -0 $qpid 2>/dev/null; then
		why="QEMU exited before the test reported its end"
	elif [ $(($(elapsed) / 1000)) -ge "$limit" ]; then
		why="timed out: no verdict after ${limit}s"
	elif [ $((now - last_change)) -ge "$stall" ]; then
		why="hung: no console output for ${stall}s"
	fi
	if [ -n "$why" ]; then
		stop_qemu
		say "TESTBED ERROR: $why"
		echo "TESTBED-ERROR $why" >> "$results"
		echo "----- last 60 lines of $log -----"
		tail -n 60 "$log" | tr -d '\r'
		echo "-----"
		count_line 2 "testbed error"
		exit 2
	fi
	sleep 0.5
done

# Give QEMU a moment to power off by itself, then make sure it is gone.
for _ in 1 2 3 4 5 6; do
	kill -0 $qpid 2>/dev/null || break
	sleep 0.5
done
stop_qemu
# A truncated image fails later in odd ways (a binary "not found"): name it.
if grep -aq "Initramfs unpacking failed" "$log"; then
	say "TESTBED ERROR: dom0's image did not unpack whole:" \
	    "$(grep -a -m1 "Initramfs unpacking failed" "$log" | tr -d '\r')"
fi
say "$test: $([ "$verdict" = 0 ] && echo passed || echo FAILED) (results in $results)"
count_line "$verdict"
[ "$verdict" = 0 ] || exit 1
exit 0
