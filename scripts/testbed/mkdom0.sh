#!/bin/sh
# mkdom0.sh -- build the testbed dom0 initramfs
#
# Usage: mkdom0.sh CACHEDIR GUESTDIR OUT.cpio [ARCH]
# The image holds busybox, the Xen control plane from the unpacked Debian
# packages (xl, xenstored, xenconsoled, xen-init-dom0, xenstore-*), the Xen
# and network kernel modules, every shared library those need, real
# iproute2 and curl for the client namespace, the baseline guest, the
# project's binaries (build/bin), the in-dom0 tests (tests/xen) and the
# assertion library they report through (tests/lib.sh).
# ARCH is amd64 (the default), arm64 or armhf; for an ARM one every
# program and library comes from CACHEDIR/root (see fetch.sh), the
# project's programs from build/ARCH/bin and build/ARCH/tools (the
# cross-build's, make ARCH=...), when built, and the unikernels of
# build/ARCH/unikernels (make -C unikernels ARCH=...) instead of the x86
# ones.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lib.sh"

cache=${1:?usage: mkdom0.sh CACHEDIR GUESTDIR OUT.cpio}
guests=${2:?usage: mkdom0.sh CACHEDIR GUESTDIR OUT.cpio}
out=${3:?usage: mkdom0.sh CACHEDIR GUESTDIR OUT.cpio}
arch=${4:-amd64}
tb_arch "$arch" "$cache"
xroot=$cache/root
kver=$(cat "$cache/kver")
kmod=$xroot/lib/modules/$kver/kernel

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
tb_skeleton "$root"

# Xen control plane.  The real binaries live in /usr/lib/xen-4.17/bin;
# Debian's /usr/sbin/xl is a wrapper script that needs more than busybox.
for b in xl xenstored xenconsoled xen-init-dom0 libxl-save-helper; do
	tb_copy_bin "$root" "$xroot/usr/lib/xen-4.17/bin/$b" \
	    "/usr/lib/xen-4.17/bin/$b"
done
ln -s /usr/lib/xen-4.17/bin/xl "$root/usr/sbin/xl"
# Debian's own choice of xenstored: its init script starts oxenstored
# when it is there.  Tests run on the C one (its -T trace counts
# requests); "# testbed: oxenstored" runs one on Debian's default.
if [ -e "$xroot/usr/lib/xen-4.17/bin/oxenstored" ]; then
	tb_copy_bin "$root" "$xroot/usr/lib/xen-4.17/bin/oxenstored" \
	    /usr/lib/xen-4.17/bin/oxenstored
	mkdir -p "$root/etc/xen"
	cp "$xroot/etc/xen/oxenstored.conf" "$root/etc/xen/"
fi
tb_copy_bin "$root" "$xroot/usr/bin/xenstore" /usr/bin/xenstore
for t in read write rm ls list exists chmod watch; do
	ln -s xenstore "$root/usr/bin/xenstore-$t"
done
# xl aborts (exit 134) when pthread_cancel cannot dlopen libgcc_s, which
# ldd does not list.
if [ -z "$TB_SYSROOT" ]; then
	gcc_s=$(ldconfig -p | awk '/libgcc_s.so.1 .*x86-64/ { print $NF; exit }')
	tb_copy "$root" "$gcc_s"
else
	gcc_s=$(tb_lib libgcc_s.so.1)
	tb_copy "$root" "$TB_SYSROOT$gcc_s" "$gcc_s"
fi
mkdir -p "$root/etc/xen/scripts"
cp "$xroot/etc/xen/xl.conf" "$root/etc/xen/"
# The stock hotplug scripts (vif-bridge and what it sources) and what they
# run beyond busybox, so the bench can compare against the stock path.
cp -r "$xroot/etc/xen/scripts/." "$root/etc/xen/scripts/"
# The minimal one jitsud ships, as `make install' puts it.
install -m 0755 "$top/conf/vif-jitsu" "$root/etc/xen/scripts/vif-jitsu"
for b in /bin/bash /usr/bin/flock; do
	tb_copy_bin "$root" "$(tb_src "$b")" "$b"
done
# util-linux's setpriv: jitsud under its unit's capability bounding set
# (tests/xen/jitsud-caps.sh, which reads /testbed/jitsud.service).
tb_copy_bin "$root" "$(tb_src /usr/bin/setpriv)" /usr/bin/setpriv

# Real clients for the "outside world" namespace, and tcpdump for the
# tests' packet traces when a client waited longer than it should.
for b in /usr/bin/ip /usr/bin/curl /usr/bin/dig /usr/bin/tcpdump; do
	tb_copy_bin "$root" "$(tb_src "$b")" "$b"
done
# busybox's ip lacks netns: make sure the real one wins in PATH.
ln -sfn /usr/bin/ip "$root/usr/sbin/ip"

# A driver another kernel build has built in (its modules.builtin names
# it) has no .ko: its name goes to /lib/modules/builtin, and dom0-init
# does not load it.  Debian 6.1's amd64, arm64 and armmp-lpae kernels
# have every one of these as a module.
mkdir -p "$root/lib/modules"
: > "$root/lib/modules/builtin"
for m in drivers/xen/xen-evtchn drivers/xen/xen-gntdev \
    drivers/xen/xen-gntalloc drivers/xen/xen-privcmd drivers/xen/xenfs/xenfs \
    drivers/net/xen-netback/xen-netback drivers/block/xen-blkback/xen-blkback \
    net/llc/llc net/802/stp net/bridge/bridge drivers/net/veth \
    drivers/net/ethernet/intel/e1000/e1000; do
	if [ -f "$kmod/$m.ko" ]; then
		cp "$kmod/$m.ko" "$root/lib/modules/"
	elif grep -qx "kernel/$m.ko" "$kmod/../modules.builtin"; then
		basename "$m" >> "$root/lib/modules/builtin"
	else
		echo "mkdom0: no module $m in $kver" >&2
		exit 1
	fi
done

# The testbed itself: init, helpers, tests, guests.
install -m 0755 "$here/dom0-init" "$root/init"
mkdir -p "$root/testbed/tests" "$root/testbed/guests"
cp "$here/tb.sh" "$root/testbed/"
install -m 0755 "$here/host-reply" "$root/testbed/host-reply"
cp "$top/tests/lib.sh" "$root/testbed/lib.sh"
cp "$top/conf/jitsud.service" "$root/testbed/jitsud.service"
cp "$top"/tests/xen/*.sh "$top"/tests/xen/*.cfg "$top"/tests/xen/*.inc \
    "$root/testbed/tests/"
# The test wanted may sit in a subfolder (tests/xen/uk/...): keep the tree.
for d in "$top"/tests/xen/*/; do
	[ -d "$d" ] && cp -r "$d" "$root/testbed/tests/"
done
cp -r "$guests"/. "$root/testbed/guests/"

# The unikernel images, when built: make -C unikernels (x86) or make -C
# unikernels ARCH=arm64|armhf (build/ARCH/unikernels).
uk=$top/build/unikernels
[ "$arch" = amd64 ] || uk=$top/build/$arch/unikernels
if [ -d "$uk" ]; then
	mkdir -p "$root/testbed/unikernels"
	cp -r "$uk/." "$root/testbed/unikernels/"
fi

# The project's own programs and test tools, when built.
bin=$top/build
[ "$arch" = amd64 ] || bin=$top/build/$arch
for b in "$bin"/bin/* "$bin"/tools/*; do
	[ -x "$b" ] && tb_copy_bin "$root" "$b" "/usr/sbin/$(basename "$b")"
done

tb_cpio "$root" "$out"
echo "mkdom0: $out ($(du -k "$out" | cut -f1) KiB)"
