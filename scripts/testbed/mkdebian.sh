#!/bin/sh
# mkdebian.sh -- a fresh Debian 12 root, made once with debootstrap
#
# Usage: mkdebian.sh CACHEDIR
# Leaves CACHEDIR/debian12/root: Debian 12's minimal base (minbase),
# systemd as init and dig, with the sources a standard installation has
# (bookworm, bookworm-updates, bookworm-security) and their package lists.
# It is what tests/system/systemd.sh copies, installs jitsud's package
# into with apt and boots.  A stamp records how the root was made; a
# second run with the same recipe does nothing.  Packages come from
# DEBIAN_MIRROR (default http://deb.debian.org/debian) and the security
# archive, nowhere else.
set -eu

cache=${1:?usage: mkdebian.sh CACHEDIR}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
dir=$cache/debian12
# systemd-sysv makes systemd PID 1; dnsutils is the DNS client the test
# and the README's quick start use.
include=systemd-sysv,dnsutils
recipe="bookworm minbase $include $mirror $security"

if [ -f "$dir/stamp" ] && [ "$(cat "$dir/stamp")" = "$recipe" ] &&
    [ -x "$dir/root/sbin/init" ]; then
	exit 0
fi
command -v debootstrap > /dev/null ||
    { echo "mkdebian: no debootstrap (scripts/deps.sh installs it)" >&2; exit 1; }

mkdir -p "$dir"
# A second stage that died may have left its /proc and /sys mounted.
for m in proc sys; do
	umount "$dir/root.new/$m" 2>/dev/null || true
done
rm -rf "$dir/root" "$dir/root.new" "$dir/stamp"
echo "mkdebian: debootstrap bookworm (minbase, $include) from $mirror"
failed() {
	tail -n 20 "$dir/debootstrap.log" >&2
	echo "mkdebian: debootstrap failed (all in $dir/debootstrap.log)" >&2
	exit 1
}
# In two stages, so that dpkg runs the second with --force-unsafe-io: its
# fsync of every file was a third of that stage (93 s against 60 s here),
# and this root is a cache, made again at will, that no crash need spare.
debootstrap --foreign --variant=minbase --include="$include" bookworm \
    "$dir/root.new" "$mirror" > "$dir/debootstrap.log" 2>&1 || failed
unsafe=$dir/root.new/etc/dpkg/dpkg.cfg.d/mkdebian-unsafe-io
echo force-unsafe-io > "$unsafe"
chroot "$dir/root.new" /debootstrap/debootstrap --second-stage \
    >> "$dir/debootstrap.log" 2>&1 || failed
rm -f "$unsafe"
cat > "$dir/root.new/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
SOURCES
cp /etc/resolv.conf "$dir/root.new/etc/resolv.conf"
chroot "$dir/root.new" apt-get update -qq
chroot "$dir/root.new" apt-get clean
mv "$dir/root.new" "$dir/root"
echo "$recipe" > "$dir/stamp"
echo "mkdebian: $dir/root ($(du -sm "$dir/root" | cut -f1) MiB)"
