#!/bin/sh
# deps.sh -- install what building and testing jitsud needs on Debian 12
#
# Idempotent: packages already present are not fetched again, and the
# package lists are refreshed at most once per run (only when something is
# missing).  The hypervisor and kernel that the nested-Xen testbed boots
# are NOT installed here: scripts/testbed/fetch.sh downloads and unpacks
# them into a cache folder, so the host keeps its own kernel.
set -eu

PKGS="
build-essential pkg-config
libxen-dev libldns-dev libevent-dev libcmocka-dev
qemu-system-x86 qemu-system-arm busybox-static cpio xz-utils kmod
debootstrap
iproute2 bridge-utils iputils-ping dnsutils ldnsutils curl mandoc
dnsperf nsd procps clang-format tcpdump time systemd
clang libclang-rt-14-dev
gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf
libc6-dev-arm64-cross libc6-dev-armhf-cross qemu-user-static
"

# The ARM cross builds (make ARCH=arm64|armhf) take their libraries from
# Debian's arm64 and armhf packages, which scripts/cross.sh fetches with
# apt-get download, and the ARM testbeds (TESTBED_ARCH=arm64|armhf,
# scripts/testbed/fetch.sh) their Xen, kernel and dom0 userland: apt must
# know those architectures.  Nothing of them is installed on the host.
# qemu-system-arm has both ARM machines: qemu-system-aarch64 for arm64,
# qemu-system-arm for armhf.
FOREIGN="arm64 armhf"

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: must run as root (apt-get install)" >&2
	exit 1
fi

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

added=""
for a in $FOREIGN; do
	if ! dpkg --print-foreign-architectures | grep -qx "$a"; then
		dpkg --add-architecture "$a"
		added="$added $a"
	fi
done
[ -n "$added" ] && echo "deps.sh: added the architectures$added"

if [ -z "$missing" ] && [ -z "$added" ]; then
	echo "deps.sh: all packages present"
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# A foreign index that fails (a mirror in mid-sync) leaves the others in
# use: apt-get install below and scripts/cross.sh say what is missing.
apt-get update -qq || echo "deps.sh: apt-get update reported errors"
[ -z "$missing" ] && exit 0
echo "deps.sh: installing:$missing"
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
echo "deps.sh: done"
