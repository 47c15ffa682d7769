#!/bin/sh
# cross.sh -- the ARM cross builds (make ARCH=arm64, make ARCH=armhf).
# For each: the sysroot comes from Debian's packages (scripts/cross.sh);
# the programs and test tools build from clean with the warnings as
# errors; each of them, and each object, is an ELF for the right machine
# (armhf: hard-float); a header the sysroot lacks fails rather than come
# from the host's /usr/include; under qemu-user the programs start with
# every library they link (the versions, the tools' usage lines), the
# unit tests pass (make ARCH=... unit), and jitsud -n accepts an ARM
# configuration but refuses, naming file and line, what only x86 Xen
# has (domain shells, type=pv, cpuid=, stop=suspend); make install
# ARCH=... stages the ARM programs.  The native build's files stay as
# they were.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
MAKE=${MAKE:-make}
work=$(mktemp -d /tmp/jitsud-cross.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$top" || exit 1
version=$(sed -n 's/^#define JITSUD_VERSION "\(.*\)"/\1/p' include/version.h)
jobs=$(nproc 2> /dev/null || echo 2)

# "CLASS MACHINE" of an ELF file, as readelf -h names them.
elfid() {
	readelf -h "$1" 2> /dev/null | awk -F: '
	    /^ *Class:/ { gsub(/ /, "", $2); c = $2 }
	    /^ *Machine:/ { sub(/^ */, "", $2); m = $2 }
	    END { print c, m }'
}

# The native build's files: the ARM builds must leave them alone.
native() {
	ls -lR --time-style=full-iso build/obj build/bin build/tools \
	    2> /dev/null | md5sum
}

# A configuration for an ARM dom0, and one with what only x86 has.
cat > "$work/arm.zone" << 'EOF'
$ORIGIN example.org.
$TTL 30
@	IN	SOA	ns1 hostmaster 1 3600 600 86400 30
@	IN	NS	ns1
ns1	IN	A	10.0.0.1
www	IN	UNIKERNEL	kernel=/bin/true memory=8M ip=10.0.0.10 bridge=br0 type=pvh
EOF
printf 'listen on 127.0.0.1 port 5353\nzone %s\ncontrol socket %s\nshells 0\n' \
    "$work/arm.zone" "$work/sock" > "$work/arm.conf"
sed 's/type=pvh/type=pv/' "$work/arm.zone" > "$work/x86.zone"
echo "w2	IN	UNIKERNEL	kernel=/bin/true memory=8M ip=10.0.0.11 bridge=br0 cpuid=host,rdtscp=0" \
    >> "$work/x86.zone"
echo "w3	IN	UNIKERNEL	kernel=/bin/true memory=8M ip=10.0.0.12 bridge=br0 stop=suspend" \
    >> "$work/x86.zone"
printf 'listen on 127.0.0.1 port 5353\nzone %s\ncontrol socket %s\nshells 1\n' \
    "$work/x86.zone" "$work/sock" > "$work/x86.conf"
refusals="$work/x86.conf:4: shells: domain shells are x86 PVH domains; on ARM libxl builds every guest (shells 0)
$work/x86.zone:6: UNIKERNEL: type: pv is x86 only (an ARM guest is pvh)
$work/x86.zone:7: UNIKERNEL: cpuid: x86 only (libxl on ARM ignores it)
$work/x86.zone:8: UNIKERNEL: stop: suspend is x86 only (Xen on ARM cannot save a domain)"

# crypt.h: on every Debian host (libc6-dev needs libcrypt-dev), where
# Debian's cross compilers find it, and not in the cross C library or
# the sysroot.  The cross builds must not take it.
printf '#include <crypt.h>\nint x;\n' > "$work/probe.c"
check "the host has a crypt.h the cross builds must not take" \
    test -f /usr/include/crypt.h
before=$(native)

for arch in arm64 armhf; do
	case $arch in
	arm64) want="ELF64 AArch64" qemu=qemu-aarch64-static ;;
	armhf) want="ELF32 ARM" qemu=qemu-arm-static ;;
	esac
	b=build/$arch
	t0=$(date +%s)
	check "$arch: scripts/cross.sh has the sysroot" \
	    sh scripts/cross.sh "$arch"
	rm -rf "$b/obj" "$b/bin" "$b/tools" "$b/tests"
	check "$arch: make ARCH=$arch builds from clean, warnings as errors" \
	    "$MAKE" -s -j"$jobs" ARCH="$arch"
	echo "$arch: sysroot and build took $(($(date +%s) - t0)) s"
	for f in "$b"/bin/jitsud "$b"/bin/jitsuctl "$b"/tools/*; do
		check_eq "$arch: $f is $want" "$want" "$(elfid "$f")"
	done
	check_eq "$arch: every object in $b/obj is ${want#* }" "${want#* }" \
	    "$(find "$b/obj" -name '*.o' -exec readelf -h {} + |
		sed -n 's/^ *Machine: *//p' | sort -u | tr '\n' ' ' |
		sed 's/ $//')"
	if [ "$arch" = armhf ]; then
		check "armhf: jitsud is built for the hard-float ABI" \
		    eval 'readelf -h "$b/bin/jitsud" | grep -q "hard-float ABI"'
	fi
	cc=$("$MAKE" -s --no-print-directory ARCH="$arch" \
	    --eval='cross-cc: ; @echo $(CC) $(CPPFLAGS) $(ALL_CFLAGS)' cross-cc)
	check "$arch: ${cc%% *} alone would take the host's crypt.h" \
	    "${cc%% *}" -c -o "$work/probe.o" "$work/probe.c"
	# shellcheck disable=SC2086
	out=$($cc -c -o "$work/probe.o" "$work/probe.c" 2>&1)
	check "$arch: with the Makefile's flags the host's crypt.h is not found" \
	    eval 'echo "$out" | grep -q "crypt.h: No such file"'

	check "$arch: $qemu is installed (scripts/deps.sh)" command -v "$qemu"
	run() { "$qemu" -L "$b/sysroot" "$@"; }
	# unit_under_qemu ARCH: make ARCH=... unit, and each test binary that
	# failed run once more.  Some tests (test_vm's idle timers) wait a
	# fixed real time; qemu-user on a loaded host can stretch a gap past
	# it.  A test that fails twice is a failure; one that passed on its
	# second run is named, so a test that often needs it is seen.
	unit_under_qemu() {
		_log=$work/unit-$1.log
		"$MAKE" -s -j"$jobs" ARCH="$1" unit > "$_log" 2>&1 && return 0
		_failed=$(sed -n 's/^run-unit: FAILED: //p' "$_log")
		[ -n "$_failed" ] || { cat "$_log"; return 1; }
		for _t in $_failed; do
			if run "$_t" > "$work/rerun.log" 2>&1; then
				{ echo "${_t##*/} failed once, passed again:"
				  grep "FAILED\|Failure\|error" "$_log" |
				      head -5; } >> "$work/flaky-$1"
			else
				cat "$work/rerun.log"
				return 1
			fi
		done
	}
	check_eq "$arch: jitsud -V runs under $qemu" "jitsud $version" \
	    "$(run "$b/bin/jitsud" -V 2>&1)"
	check_eq "$arch: jitsuctl -V runs under $qemu" "jitsuctl $version" \
	    "$(run "$b/bin/jitsuctl" -V 2>&1)"
	for f in "$b"/tools/*; do
		check "$arch: ${f##*/} loads its libraries and says its usage" \
		    eval 'run "$f" 2>&1 | grep -q "usage:"'
	done
	check "$arch: the unit tests pass under $qemu (make ARCH=$arch unit)" \
	    unit_under_qemu "$arch"
	[ -s "$work/flaky-$arch" ] && sed "s/^/  $arch note: /" "$work/flaky-$arch"
	check_eq "$arch: jitsud -n accepts a configuration for ARM" \
	    "configuration OK: 1 zone(s)" \
	    "$(run "$b/bin/jitsud" -n -f "$work/arm.conf" 2>&1)"
	out=$(run "$b/bin/jitsud" -n -f "$work/x86.conf" 2>&1)
	check_eq "$arch: jitsud -n refuses shells, type=pv, cpuid=, stop=suspend" \
	    "$refusals" "$out"

	d=$work/root-$arch
	check "$arch: make install ARCH=$arch DESTDIR=... succeeds" \
	    "$MAKE" -s install ARCH="$arch" DESTDIR="$d" PREFIX=/usr
	for p in jitsud jitsuctl; do
		check_eq "$arch: the installed $p is $want" "$want" \
		    "$(elfid "$d/usr/sbin/$p")"
	done
	check_eq "$arch: no (x86) unikernel is installed" "" \
	    "$(ls "$d/usr/lib/jitsud/unikernels" 2>&1)"
done

check_eq "the ARM builds leave the native build's files as they were" \
    "$before" "$(native)"
finish cross
