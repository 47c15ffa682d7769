#!/bin/bash
# run.sh -- boot Xen + the busybox dom0 under QEMU (TCG), run one test, report
#
# Usage: run.sh TEST
#   TEST names tests/xen/TEST.sh, which runs inside dom0 (see tb.sh).
# Environment:
#   TESTBED_CACHE    package cache (default build/cache)
#   TESTBED_OUT      logs and results (default build/testbed)
#   TESTBED_TIMEOUT  whole-run limit in seconds (default 300)
#   TESTBED_STALL    limit on console silence in seconds (default 90)
#   TESTBED_MEM      QEMU memory in MiB (default 1024)
#   TESTBED_DOM0_MEM dom0's memory in MiB (default 384; the bench's 32
#                    parallel xl creates need more)
#   TESTBED_QEMU_EXTRA  extra QEMU arguments (the self-test uses -S)
#   TESTBED_ARGS     extra words for dom0's command line, read by the test
#                    (the bench: jitsu.bench=fig1+fig2 jitsu.runs=2; no
#                    commas: QEMU splits -initrd, which carries them, there)
# Exit status: 0 if the test passed, 1 if it failed, 2 if the testbed itself
# broke (QEMU died, hung, or the test never reported an end).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
test=${1:?usage: run.sh TEST}
cache=${TESTBED_CACHE:-$top/build/cache}
out=${TESTBED_OUT:-$top/build/testbed}
limit=${TESTBED_TIMEOUT:-300}
stall=${TESTBED_STALL:-90}
mem=${TESTBED_MEM:-1024}
dom0_mem=${TESTBED_DOM0_MEM:-384}

[ -f "$top/tests/xen/$test.sh" ] || {
	echo "testbed: no such test: tests/xen/$test.sh" >&2
	exit 2
}
log=$out/$test.serial.log
# A test in a subfolder (uk/selftests) logs in a subfolder too.
mkdir -p "$(dirname "$log")"
results=$out/$test.results
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

say "preparing images for $test"
"$here/fetch.sh" "$cache"
"$here/mkguest.sh" "$cache" "$out/guests/linux" >/dev/null
"$here/mkdom0.sh" "$cache" "$out/guests" "$out/dom0.cpio" >/dev/null
if [ ! -f "$out/xen.elf" ] || [ "$cache/stamp" -nt "$out/xen.elf" ]; then
	zcat "$cache/root/boot/xen-4.17-amd64.gz" > "$out/xen.elf"
fi
kver=$(cat "$cache/kver")

# Xen: serial console, fixed dom0 memory, no boot-time scrubbing (slow
# under TCG).  The CPU model gives PVH guests SVM+NPT (Debian's Xen has no
# shadow paging) and dom0 RDRAND (else libuuid blocks on entropy).
xen_args="console=com1 dom0_mem=${dom0_mem}M,max:${dom0_mem}M bootscrub=false"
xen_args="$xen_args noreboot"
xen_args="$xen_args loglvl=all guest_loglvl=all"
dom0_args="console=hvc0 earlyprintk=xen loglevel=4 jitsu.test=$test"
dom0_args="$dom0_args${TESTBED_ARGS:+ $TESTBED_ARGS}"
rm -f "$log"
: > "$log"

# shellcheck disable=SC2086
# Single-threaded TCG: QEMU 7.2's multi-threaded TCG now and then walks
# correct nested page tables as "not present" on the first fetch after a
# VMRUN (measured: 5 triple faults in 210 PVH boots; 0 in 220 with
# thread=single), which a test would report as our bug.
qemu-system-x86_64 -accel tcg,thread=single -cpu qemu64,+svm,+npt,+rdrand \
    -m "$mem" -smp 2 -display none -vga none -monitor none -no-reboot \
    -serial "file:$log" -net none \
    -kernel "$out/xen.elf" -append "$xen_args" \
    -initrd "$cache/root/boot/vmlinuz-$kver $dom0_args,$out/dom0.cpio" \
    ${TESTBED_QEMU_EXTRA:-} &
qpid=$!
# Reap QEMU quietly: bash would otherwise report the job as "Killed".
stop_qemu() {
	kill -9 $qpid 2>/dev/null || true
	wait $qpid 2>/dev/null || true
}
trap stop_qemu EXIT
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
say "$test: $([ "$verdict" = 0 ] && echo passed || echo FAILED) (results in $results)"
count_line "$verdict"
[ "$verdict" = 0 ] || exit 1
exit 0
