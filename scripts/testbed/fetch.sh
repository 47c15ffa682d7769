#!/bin/sh
# fetch.sh -- download and unpack the Xen and kernel packages the testbed boots
#
# Usage: fetch.sh CACHEDIR [ARCH]
# The packages are fetched with `apt-get download` and unpacked with
# dpkg-deb into CACHEDIR/root; nothing is installed on the host.  A stamp
# file records the package versions, so a second run with the same archive
# state does nothing.
# ARCH is amd64 (the default: the dom0's programs then take their
# libraries from the host), arm64 or armhf: a foreign architecture, whose
# dom0 needs every program and library of its own, so the userland
# packages (busybox, iproute2, curl, dig, tcpdump, bash, util-linux) and
# the closure of their library dependencies are unpacked into
# CACHEDIR/root too.  Give each architecture a cache folder of its own
# (run.sh uses CACHE/arm64 and CACHE/armhf).  armhf's kernel is the LPAE
# flavour (armmp-lpae): Xen on 32-bit ARM runs no other as dom0.
set -eu
. "$(dirname "$0")/../apt.sh"

cache=${1:?usage: fetch.sh CACHEDIR [ARCH]}
arch=${2:-amd64}
kmeta=linux-image-$arch
case $arch in
amd64) q="" ;;
arm64) q=":$arch" ;;
armhf) q=":$arch" kmeta=linux-image-armmp-lpae ;;
*) echo "fetch: unknown architecture $arch" >&2; exit 1 ;;
esac
mkdir -p "$cache/debs" "$cache/root"
cache=$(cd "$cache" && pwd)

# A foreign architecture's lists come with `dpkg --add-architecture'
# (apt_lists); what counts is that the hypervisor has a candidate then.
if [ -z "$(apt_candidates "xen-hypervisor-4.17-$arch$q")" ]; then
	apt_lists "$arch" fetch
	[ -n "$(apt_candidates "xen-hypervisor-4.17-$arch$q")" ] || {
		echo "fetch: no xen-hypervisor-4.17-$arch in the package lists" >&2
		exit 1
	}
fi

# The kernel ABI name changes with every Debian point release: follow the
# meta-package rather than hard-coding it.
kpkg=$(apt-cache depends "$kmeta$q" |
    awk '/Depends: linux-image-[0-9]/ { sub(":.*", "", $2); print $2; exit }')
[ -n "$kpkg" ] || { echo "fetch: cannot resolve $kmeta" >&2; exit 1; }

pkgs="xen-hypervisor-4.17-$arch$q xen-utils-4.17$q xen-utils-common$q \
xenstore-utils$q $kpkg$q"
# A foreign dom0's programs beyond Xen's (see mkdom0.sh), and the
# libraries the project's cross-built programs link beyond Xen's.
tools="busybox-static iproute2 curl bind9-dnsutils tcpdump bash util-linux \
libevent-2.1-7 libldns3"
if [ -n "$q" ]; then
	pkgs="$pkgs $(for p in $tools; do echo "$p$q"; done)"
fi

# shellcheck disable=SC2086
want=$(apt_candidates $pkgs)

if [ -f "$cache/stamp" ] && [ "$(cat "$cache/stamp")" = "$want" ]; then
	exit 0
fi

# libclosure PKG...: every library package (lib*, zlib1g, bind9-libs)
# that PKG... depend on, recursively, for $arch, less PKG... themselves.  Only through
# libraries: a program's dependency on another program (bash on
# base-files, curl on ca-certificates) brings nothing the image uses.
# Each round is one apt-cache call for the whole frontier.
libclosure() {
	_all=" $* "
	_libs=""
	_todo=$*
	while [ -n "$_todo" ]; do
		# shellcheck disable=SC2046
		_next=$(apt-cache depends --no-recommends --no-suggests \
		    --no-conflicts --no-breaks --no-replaces --no-enhances \
		    $(for _p in $_todo; do echo "$_p$q"; done) 2>/dev/null |
		    awk '/^ *(Pre)?Depends: [^<]/ { sub(":.*", "", $2); print $2 }' |
		    grep -E '^(lib|zlib1g$|bind9-libs$)' | sort -u)
		_todo=""
		for _p in $_next; do
			case $_all in
			*" $_p "*) ;;
			*) _all="$_all$_p "; _todo="$_todo $_p"
			   _libs="$_libs $_p" ;;
			esac
		done
	done
	echo "$_libs"
}

echo "fetch: downloading$want"
rm -rf "$cache/debs" "$cache/root"
mkdir -p "$cache/debs" "$cache/root"
if [ -n "$q" ]; then
	echo "fetch: resolving the $arch userland's libraries"
	# shellcheck disable=SC2086
	pkgs="$pkgs $(for p in $(libclosure xen-utils-4.17 xenstore-utils $tools)
	    do echo "$p$q"; done)"
fi
# shellcheck disable=SC2086
apt_download "$cache/debs" $pkgs

for deb in "$cache"/debs/*.deb; do
	echo "fetch: unpacking $(basename "$deb")"
	dpkg-deb -x "$deb" "$cache/root"
done
echo "${kpkg#linux-image-}" > "$cache/kver"
echo "$want" > "$cache/stamp"
echo "fetch: done"
