#!/bin/sh
# deb.sh -- build the Debian package from the tree (make deb)
#
# Usage: deb.sh
# Stages `make install PREFIX=/usr SYSCONFDIR=/etc' in build/deb/root, adds
# what a Debian package carries beside it (compressed man pages, stripped
# programs, copyright and changelog, maintainer scripts from debian/,
# conffiles for every file in /etc, md5sums), computes Depends from the
# programs' shared libraries with dpkg-shlibdeps, and writes
# build/deb/jitsud_VERSION_ARCH.deb with dpkg-deb.  The version is
# include/version.h's JITSUD_VERSION; debian/changelog must agree.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
umask 022
MAKE=${MAKE:-make}
out=build/deb
root=$out/root

die() {
	echo "deb: $*" >&2
	exit 1
}

version=$(sed -n 's/^#define JITSUD_VERSION "\(.*\)"/\1/p' include/version.h)
[ -n "$version" ] || die "no JITSUD_VERSION in include/version.h"
logv=$(dpkg-parsechangelog -l debian/changelog -S Version)
[ "$logv" = "$version" ] ||
    die "debian/changelog's top entry is $logv, include/version.h says" \
	"$version: add an entry (dch -v $version)"
arch=$(dpkg --print-architecture)

# The programs are built again for the package, in build/deb/build, with
# Debian's flags (dpkg-buildflags: stack protector, _FORTIFY_SOURCE,
# format-security, PIE, relro and bindnow), as a Debian build would have
# them; the tree's own build/bin stays as the tests use it.
eval "$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --export=sh)"
export CFLAGS CPPFLAGS LDFLAGS
rm -rf "$root" "$out"/*.deb
mkdir -p "$root/DEBIAN"
$MAKE --no-print-directory -s install B="$out/build" \
    DESTDIR="$top/$root" PREFIX=/usr SYSCONFDIR=/etc

# Debian's layout: man pages gzipped (-n: the same bytes every build),
# programs without their debugging sections, the licence and changelog
# in the doc folder, lintian's overrides where lintian looks.
find "$root/usr/share/man" -type f -exec gzip -9n {} +
for p in "$root"/usr/sbin/*; do
	strip --remove-section=.comment --remove-section=.note "$p"
done
doc=$root/usr/share/doc/jitsud
install -m 0644 debian/copyright "$doc/copyright"
gzip -9nc debian/changelog > "$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"
install -d "$root/usr/share/lintian/overrides"
install -m 0644 debian/jitsud.lintian-overrides \
    "$root/usr/share/lintian/overrides/jitsud"

for s in postinst prerm postrm; do
	install -m 0755 "debian/$s" "$root/DEBIAN/$s"
done
# Every file in /etc is the operator's to edit: dpkg keeps their edits.
(cd "$root" && find etc -type f | sort | sed 's|^|/|') > "$root/DEBIAN/conffiles"
(cd "$root" && find usr lib -type f | sort | xargs md5sum) \
    > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

# ${shlibs:Depends}: the packages that hold the libraries the programs
# link, at the versions their symbols need.
dpkg-shlibdeps -T"$out/substvars" "$root"/usr/sbin/*
dpkg-gencontrol -v"$version" -T"$out/substvars" -f"$out/files" \
    -P"$root" -cdebian/control -ldebian/changelog
deb=$out/jitsud_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" > /dev/null
echo "deb: $deb"
dpkg-deb -f "$deb" Package Version Architecture Depends Installed-Size
