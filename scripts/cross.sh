#!/bin/sh
# cross.sh -- fetch and unpack the sysroot that an ARM cross build links against
#
# Usage: cross.sh ARCH [DIR]     ARCH: arm64 or armhf; DIR: build/ARCH
#
# The foreign libraries jitsud links (libxen, libevent, ldns and what they
# pull in) come from Debian 12's own ARCH packages, fetched with
# `apt-get download' and unpacked with dpkg-deb into DIR/sysroot; nothing
# is installed on the host.  Installing them as packages is not an option:
# libxen-dev and libevent-dev are not Multi-Arch: same, so their arm64 or
# armhf flavour would replace the host's amd64 one.  The C library and
# its headers are the cross toolchain's (scripts/deps.sh installs
# gcc-aarch64-linux-gnu and gcc-arm-linux-gnueabihf); the sysroot's libc6
# and libgcc-s1 only let qemu-user run the programs (tests/system/cross.sh),
# and libcmocka is for the unit tests (make ARCH=... unit).
#
# Idempotent: DIR/sysroot.stamp records the package versions; a second
# run with the same archive state downloads and unpacks nothing, and the
# downloaded packages are kept in DIR/debs.  The package lists for ARCH
# are fetched (dpkg --add-architecture, apt-get update, as root) only when
# apt does not know the packages yet.
set -eu
. "$(dirname "$0")/apt.sh"

arch=${1:?usage: cross.sh arm64|armhf [DIR]}
case $arch in
arm64 | armhf) ;;
*)
	echo "cross: unknown architecture '$arch' (arm64 or armhf)" >&2
	exit 2
	;;
esac
dir=${2:-$(cd "$(dirname "$0")/.." && pwd)/build/$arch}
mkdir -p "$dir/debs"
dir=$(cd "$dir" && pwd)

# The runtime libraries each -dev package's links need (apt-cache depends,
# Debian 12); the names are the same for arm64 and armhf.
pkgs="libxen-dev libxenmisc4.17 libxencall1 libxendevicemodel1
libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenstore4
libxentoolcore1 libxentoollog1 libxenhypfs1 libfdt1 libyajl2 libuuid1
zlib1g libext2fs2 libcom-err2
libevent-dev libevent-2.1-7 libevent-core-2.1-7 libevent-extra-2.1-7
libevent-pthreads-2.1-7 libevent-openssl-2.1-7
libldns-dev libldns3 libssl-dev libssl3
libc6 libgcc-s1
libcmocka-dev libcmocka0"

qualified=$(for p in $pkgs; do printf '%s:%s ' "$p" "$arch"; done)
count() { echo "$1" | wc -w; }

# shellcheck disable=SC2086
want=$(apt_candidates $qualified)
if [ "$(count "$want")" -ne "$(count "$pkgs")" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "cross: apt knows no $arch packages; run scripts/deps.sh" \
		    "as root (it adds the architecture)" >&2
		exit 1
	fi
	apt_lists "$arch" cross
	# shellcheck disable=SC2086
	want=$(apt_candidates $qualified)
	if [ "$(count "$want")" -ne "$(count "$pkgs")" ]; then
		echo "cross: apt still lacks some $arch packages; it knows:" \
		    "$want" >&2
		exit 1
	fi
fi

if [ -f "$dir/sysroot.stamp" ] &&
    [ "$(cat "$dir/sysroot.stamp")" = "$want" ]; then
	exit 0
fi

# Download what is not cached yet (a package's file name holds its
# version, with ':' spelt %3a), then drop stale versions.
need=""
keep=""
for pv in $want; do
	p=${pv%%=*}
	v=${pv#*=}
	f=${p%:*}_$(echo "$v" | sed 's/:/%3a/')_$arch.deb
	keep="$keep $f"
	[ -f "$dir/debs/$f" ] || need="$need $pv"
done
if [ -n "$need" ]; then
	echo "cross: downloading $(count "$need") $arch packages into $dir/debs"
	# shellcheck disable=SC2086
	apt_download "$dir/debs" $need
fi
for f in "$dir"/debs/*.deb; do
	case " $keep " in
	*" $(basename "$f") "*) ;;
	*) rm -f "$f" ;;
	esac
done

echo "cross: unpacking $(count "$keep") packages into $dir/sysroot"
rm -rf "$dir/sysroot" "$dir/sysroot.stamp"
mkdir -p "$dir/sysroot"
for f in $keep; do
	dpkg-deb -x "$dir/debs/$f" "$dir/sysroot"
done
echo "$want" > "$dir/sysroot.stamp"
echo "cross: $arch sysroot ready"
