#!/bin/sh
# systemd.sh -- jitsud's Debian package on a fresh Debian 12, run by a
# real systemd: `make deb', apt installs the package (and the libraries
# its Depends name) into a Debian 12 root made by debootstrap, and the root
# boots under QEMU (TCG) with systemd as PID 1, where
# tests/system/systemd-guest.sh takes jitsud.service through start,
# notify, reload, watchdog, upgrade, stop, removal and first installs.
#
# The kernel is the testbed's (scripts/testbed/fetch.sh), the root is
# cached (scripts/testbed/mkdebian.sh); both live in TESTBED_CACHE
# (default build/cache).  The machine has no network: the guest's
# verdicts come back on its second serial port, its console on the
# first.  Logs in build/systemd (SYSTEMD_OUT), with the guest's disk
# image after a failure.  SYSTEMD_TIMEOUT (default 300 s) bounds the boot
# and the test inside.  Run as root.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/lib.sh
cache=${TESTBED_CACHE:-$top/build/cache}
out=${SYSTEMD_OUT:-$top/build/systemd}
limit=${SYSTEMD_TIMEOUT:-300}
MAKE=${MAKE:-make}
t0=$(date +%s)

# unmet WHAT SAW: a step the rest needs failed; one failure, said why.
unmet() {
	fail "$1" "success" "$2"
	finish systemd
}

say() {
	echo "systemd: [$(($(date +%s) - t0)) s] $*"
}

[ "$(id -u)" = 0 ] || unmet "running as root (chroot, mke2fs -d)" \
    "uid $(id -u)"
rm -rf "$out"
mkdir -p "$out"
root=$out/root
qpid=
cleanup() {
	[ -n "$qpid" ] && kill -9 "$qpid" 2>/dev/null
	rm -rf "$root" "$out/initramfs"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The package, from this tree.
$MAKE --no-print-directory -s deb > "$out/deb.log" 2>&1 ||
    { tail -n 20 "$out/deb.log"; unmet "make deb" "a failure"; }
version=$(sed -n 's/^#define JITSUD_VERSION "\(.*\)"/\1/p' include/version.h)
deb=build/deb/jitsud_${version}_$(dpkg --print-architecture).deb
check "make deb builds $deb" test -s "$deb"
say "package built"

# The kernel and the fresh Debian 12 root (cached).
scripts/testbed/fetch.sh "$cache" > "$out/fetch.log" 2>&1 ||
    { tail -n 20 "$out/fetch.log"; unmet "the kernel (fetch.sh)" "a failure"; }
scripts/testbed/mkdebian.sh "$cache" ||
    unmet "a Debian 12 root (mkdebian.sh)" "a failure"
kver=$(cat "$cache/kver")
say "kernel $kver, root $cache/debian12/root"

# A copy of the root, and the package installed into it as an operator
# would: apt, which fetches the libraries the package depends on.  The
# Recommends (Xen) are left out: this machine runs the process backend.
# The .debs apt fetched are kept in the cache for the next run; package
# lists too old for the archive are refreshed once.  dpkg skips its
# fsyncs: the copy is made again every run.
cp -a "$cache/debian12/root" "$root"
cp "$deb" "$root/root/jitsud.deb"
cp "$cache"/debian12/debs/*.deb "$root/var/cache/apt/archives/" \
    2>/dev/null
apt_install() {
	chroot "$root" env DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -q --no-install-recommends \
	    -o Dpkg::Options::=--force-unsafe-io /root/jitsud.deb \
	    > "$out/apt.log" 2>&1
}
if ! apt_install; then
	say "apt-get install failed, refreshing the package lists"
	chroot "$root" apt-get update -qq >> "$out/apt.log" 2>&1 &&
	    rm -rf "$cache/debian12/root/var/lib/apt/lists" &&
	    cp -a "$root/var/lib/apt/lists" \
		"$cache/debian12/root/var/lib/apt/lists"
	apt_install
fi
check "apt installs the package on the fresh Debian 12, Depends and all" \
    eval 'grep -q "^Setting up jitsud ($version)" "$out/apt.log"'
[ "$T_FAILED" = 0 ] || { tail -n 20 "$out/apt.log"; finish systemd; }
check "the postinst says the example configuration is not started" \
    grep -q "^jitsud: not started: /etc/jitsud/jitsud.conf is still the example" \
    "$out/apt.log"
mkdir -p "$cache/debian12/debs"
cp "$root"/var/cache/apt/archives/*.deb "$cache/debian12/debs/" 2>/dev/null
chroot "$root" apt-get clean
say "jitsud installed with apt ($(grep -c '^Setting up' "$out/apt.log") packages)"

# The test, run once at boot by a unit of its own, which powers the
# machine off when it ends.  No getty: nobody logs in, and without udev
# a serial getty would wait 90 s for its device.
cp tests/system/systemd-guest.sh tests/lib.sh "$root/root/"
# The process backend's stand-in unikernel, and busybox for its bridge
# (brctl, ifconfig: the minimal root has no iproute2).  Not under /root,
# which a unit with ProtectHome= cannot see.
mkdir -p "$root/usr/local/lib/jitsud-test"
cp /bin/busybox "$root/usr/local/lib/jitsud-test/busybox"
cat > "$root/usr/local/lib/jitsud-test/guest" <<'GUEST'
#!/bin/sh
# Ready at once (JITSU_READY_FD), then idle until stopped.
echo ready >&"$JITSU_READY_FD"
exec sleep 600
GUEST
chmod 0755 "$root/usr/local/lib/jitsud-test/guest"
echo "$version" > "$root/root/jitsud.version"
cat > "$root/etc/systemd/system/jitsud-test.service" <<'UNIT'
[Unit]
Description=jitsud under systemd (tests/system/systemd.sh)
After=basic.target

[Service]
Type=oneshot
ExecStart=/bin/sh /root/systemd-guest.sh
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Install]
WantedBy=multi-user.target
UNIT
ln -s ../jitsud-test.service \
    "$root/etc/systemd/system/multi-user.target.wants/jitsud-test.service"
for g in getty@.service serial-getty@.service getty-static.service; do
	ln -sf /dev/null "$root/etc/systemd/system/$g"
done
echo jitsud-test > "$root/etc/hostname"

# The root as an ext4 image (mke2fs -d: no mount needed), and a busybox
# initramfs that loads the virtio and ext4 modules (modules in Debian's
# kernel), and the bridge and veth ones the process backend needs (the
# root holds no modules), mounts it and hands over to systemd.
truncate -s 2G "$out/root.img"
mke2fs -q -t ext4 -L jitsud-test -d "$root" "$out/root.img" ||
    unmet "mke2fs -d of the root" "a failure"
rm -rf "$root"
ird=$out/initramfs
mkdir -p "$ird/bin" "$ird/dev" "$ird/proc" "$ird/sys" "$ird/newroot" \
    "$ird/lib/modules"
cp /bin/busybox "$ird/bin/busybox"
mods="drivers/virtio/virtio_ring drivers/virtio/virtio
drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci_legacy_dev
drivers/virtio/virtio_pci drivers/block/virtio_blk lib/crc16 fs/mbcache
fs/jbd2/jbd2 crypto/crc32c_generic fs/ext4/ext4
net/llc/llc net/802/stp net/bridge/bridge drivers/net/veth"
for m in $mods; do
	cp "$cache/root/lib/modules/$kver/kernel/$m.ko" "$ird/lib/modules/" ||
	    unmet "module $m in the kernel package" "none"
	echo "${m##*/}" >> "$ird/modules"
done
cat > "$ird/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules); do
	insmod /lib/modules/$m.ko || echo "initramfs: insmod $m failed"
done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
mount -t ext4 /dev/vda /newroot || {
	echo "initramfs: cannot mount /dev/vda"
	poweroff -f
}
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/init
INIT
chmod 0755 "$ird/init"
(cd "$ird" && find . | cpio -o -H newc --quiet) > "$out/initramfs.cpio"
say "image and initramfs ready"

# Boot.  poweroff ends QEMU; -no-reboot makes a panic or reboot end it
# too.  No network device at all.  cache=unsafe: the guest's fsyncs (dpkg
# makes many) need not reach the host's disk, the image is thrown away.
: > "$out/results.log"
qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1024 \
    -display none -vga none -monitor none -no-reboot -net none \
    -serial "file:$out/console.log" -serial "file:$out/results.log" \
    -drive "file=$out/root.img,format=raw,if=virtio,cache=unsafe" \
    -kernel "$cache/root/boot/vmlinuz-$kver" \
    -initrd "$out/initramfs.cpio" \
    -append "console=ttyS0 loglevel=4 panic=-1 systemd.show_status=error systemd.firstboot=0" &
qpid=$!
qstart=$(date +%s)
say "QEMU started (pid $qpid), console in $out/console.log"
while kill -0 "$qpid" 2>/dev/null; do
	if [ $(($(date +%s) - qstart)) -ge "$limit" ]; then
		kill -9 "$qpid"
		say "TIMEOUT after $limit s"
		break
	fi
	grep -aq "^@@SD END" "$out/results.log" 2>/dev/null && break
	sleep 1
done
# The guest powers itself off; its verdicts are in, so wait little.
for _ in 1 2 3; do
	kill -0 "$qpid" 2>/dev/null || break
	sleep 1
done
kill -9 "$qpid" 2>/dev/null
wait "$qpid" 2>/dev/null
qpid=

# The guest's verdicts join ours.
tr -d '\r' < "$out/results.log" > "$out/results.txt"
sed -n '/^@@SD BEGIN/,/^@@SD END/{/^@@SD /d;p}' "$out/results.txt"
T_PASSED=$((T_PASSED + $(grep -c '^PASS ' "$out/results.txt")))
T_FAILED=$((T_FAILED + $(grep -c '^FAIL ' "$out/results.txt")))
if grep -q "^@@SD END" "$out/results.txt"; then
	pass "the guest ran its test to the end"
else
	fail "the guest ran its test to the end" "@@SD END" \
	    "none (console below)"
	tr -d '\r' < "$out/console.log" | tail -n 40
fi
# The image (its journal, for a post-mortem) is kept only after a failure.
[ "$T_FAILED" = 0 ] && rm -f "$out/root.img" "$out/initramfs.cpio"
say "done"
finish systemd
