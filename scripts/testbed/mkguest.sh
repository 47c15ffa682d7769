#!/bin/sh
# mkguest.sh -- build the baseline Linux micro-VM: kernel + busybox initramfs
#
# Usage: mkguest.sh CACHEDIR OUTDIR
# Writes OUTDIR/vmlinux.gz (gzipped ELF of Debian's kernel) and
# OUTDIR/initrd.cpio.  The guest is the "Linux micro-VM" baseline that the
# unikernels and jitsud are compared against.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

cache=${1:?usage: mkguest.sh CACHEDIR OUTDIR}
out=${2:?usage: mkguest.sh CACHEDIR OUTDIR}
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

if [ ! -f "$out/vmlinux.gz" ] || [ "$cache/stamp" -nt "$out/vmlinux.gz" ]; then
	tb_vmlinux "$cache/root/boot/vmlinuz-$kver" "$out/vmlinux.gz"
fi
echo "mkguest: $out/vmlinux.gz $out/initrd.cpio"
