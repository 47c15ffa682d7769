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
"

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

if [ -z "$missing" ]; then
	echo "deps.sh: all packages present"
	exit 0
fi

echo "deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
echo "deps.sh: done"
