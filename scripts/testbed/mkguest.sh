#!/bin/sh
# mkguest.sh -- build the baseline Linux micro-VM: kernel + busybox initramfs
#
# Usage: mkguest.sh CACHEDIR OUTDIR [ARCH]
# Writes OUTDIR/vmlinux.gz (gzipped ELF of Debian's kernel; for ARCH
# arm64, OUTDIR/Image: Debian's arm64 vmlinuz is already the raw Image
# that Xen's ARM domain builder loads; for armhf, OUTDIR/zImage: the
# armmp-lpae kernel's vmlinuz, a zImage, which that builder loads too)
# and OUTDIR/initrd.cpio.  The guest is the "Linux micro-VM" baseline
# that the unikernels and jitsud are compared against.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

cache=${1:?usage: mkguest.sh CACHEDIR OUTDIR}
out=${2:?usage: mkguest.sh CACHEDIR OUTDIR}
arch=${3:-amd64}
tb_arch "$arch" "$cache"
kver=$(cat "$cache/kver")
kroot=$cache/root/lib/modules/$kver/kernel

mkdir -p "$out"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

tb_skeleton "$root"
mkdir -p "$root/lib/modules"
cp "$kroot/drivers/net/xen-netfront.ko" "$root/lib/modules/"
cp "$here/guest-init" "$root/init"
chmod 0755 "$root/init"
tb_cpio "$root" "$out/initrd.cpio"

case $arch in
amd64) kimg=$out/vmlinux.gz ;;
armhf) kimg=$out/zImage ;;
*) kimg=$out/Image ;;
esac
if [ ! -f "$kimg" ] || [ "$cache/stamp" -nt "$kimg" ]; then
	if [ "$arch" = amd64 ]; then
		tb_vmlinux "$cache/root/boot/vmlinuz-$kver" "$kimg"
	else
		cp "$cache/root/boot/vmlinuz-$kver" "$kimg"
	fi
fi
echo "mkguest: $kimg $out/initrd.cpio"
