#!/bin/sh
# install.sh -- `make install' puts every piece where a sysadmin looks for
# it, and the installed pieces are sound: man pages lint clean, the unit
# points at the installed daemon, the example configuration checks out.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
dest=$(mktemp -d /tmp/jitsud-install.XXXXXX)
trap 'rm -rf "$dest"' EXIT

make -s -C "$top" install DESTDIR="$dest" PREFIX=/usr > "$dest.log" 2>&1
check_eq "make install succeeds" 0 "$?"
for f in /usr/sbin/jitsud /usr/sbin/jitsuctl; do
	check "$f is installed and executable" test -x "$dest$f"
done
for m in man8/jitsud.8 man8/jitsuctl.8 man5/jitsud.conf.5 \
    man5/jitsud.zone.5 man7/synjitsu.7; do
	check "man page $m is installed" test -f "$dest/usr/share/man/$m"
done
check "the man pages lint clean" \
    mandoc -Tlint -Wwarning "$dest"/usr/share/man/man*/*
unit=$dest/lib/systemd/system/jitsud.service
check "the unit is Type=notify and runs the installed daemon" \
    eval 'grep -q "^Type=notify" "$unit" &&
     grep -q "^ExecStart=/usr/sbin/jitsud -d" "$unit"'
ex=$dest/usr/share/doc/jitsud/examples
check "the unikernels are installed" \
    eval '[ -s "$dest/usr/lib/jitsud/unikernels/httpd.pvh" ] &&
     [ -s "$dest/usr/lib/jitsud/unikernels/httpd.pv" ]'
check "the example zone names the installed httpd unikernel" \
    eval 'grep -q "kernel=/usr/lib/jitsud/unikernels/httpd.pvh" "$ex/example.org.zone"'
# jitsud -n reads the images the zone names: point it into the staging
# tree, as the paths will be once installed for real.
sed "s|kernel=/usr/lib|kernel=$dest/usr/lib|" "$ex/example.org.zone" \
    > "$dest.zone"
sed "s|zone .*|zone $dest.zone|" "$ex/jitsud.conf" > "$dest.conf"
check "the example configuration passes jitsud -n" \
    "$dest/usr/sbin/jitsud" -n -f "$dest.conf"
check "a missing image is refused by jitsud -n, naming file and line" \
    eval 'rm "$dest/usr/lib/jitsud/unikernels/httpd.pvh" &&
     ! "$dest/usr/sbin/jitsud" -n -f "$dest.conf" 2>"$dest.err" &&
     grep -q "^$dest.zone:9: .*httpd.pvh: No such file or directory" \
     "$dest.err"'
rm -f "$dest.zone" "$dest.conf" "$dest.err"
rm -f "$dest.log"
finish install
