#!/bin/sh
# fetch.sh -- download and unpack the Xen and kernel packages the testbed boots
#
# Usage: fetch.sh CACHEDIR
# The packages are fetched with `apt-get download` and unpacked with
# dpkg-deb into CACHEDIR/root; nothing is installed on the host.  A stamp
# file records the package versions, so a second run with the same archive
# state does nothing.
set -eu

cache=${1:?usage: fetch.sh CACHEDIR}
mkdir -p "$cache/debs" "$cache/root"
cache=$(cd "$cache" && pwd)

# Print "PKG=VERSION" for each package, from one apt-cache call (each call
# costs about a second).
candidates() {
	apt-cache policy "$@" 2>/dev/null | awk '
	    /^[^ ]/ { sub(":$", "", $1); p = $1 }
	    /Candidate:/ && $2 != "(none)" { printf " %s=%s", p, $2 }'
}

if [ -z "$(candidates xen-hypervisor-4.17-amd64)" ]; then
	echo "fetch: refreshing the package lists"
	apt-get update -qq
fi

# The kernel ABI name changes with every Debian point release: follow the
# meta-package rather than hard-coding it.
kpkg=$(apt-cache depends linux-image-amd64 |
    awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$kpkg" ] || { echo "fetch: cannot resolve linux-image-amd64" >&2; exit 1; }

pkgs="xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common \
xenstore-utils $kpkg"

# shellcheck disable=SC2086
want=$(candidates $pkgs)

if [ -f "$cache/stamp" ] && [ "$(cat "$cache/stamp")" = "$want" ]; then
	exit 0
fi

echo "fetch: downloading$want"
rm -rf "$cache/debs" "$cache/root"
mkdir -p "$cache/debs" "$cache/root"
# apt's sandbox user cannot write into root-owned folders; download in a
# world-writable scratch folder, then move the files.
scratch=$(mktemp -d)
chmod 0777 "$scratch"
(cd "$scratch" && apt-get download -q $pkgs)
mv "$scratch"/*.deb "$cache/debs/"
rmdir "$scratch"

for deb in "$cache"/debs/*.deb; do
	echo "fetch: unpacking $(basename "$deb")"
	dpkg-deb -x "$deb" "$cache/root"
done
echo "${kpkg#linux-image-}" > "$cache/kver"
echo "$want" > "$cache/stamp"
echo "fetch: done"
