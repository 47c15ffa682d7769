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
check "make install succeeds" '[ $? -eq 0 ]'
for f in /usr/sbin/jitsud /usr/sbin/jitsuctl; do
	check "$f is installed and executable" '[ -x "$dest$f" ]'
done
for m in man8/jitsud.8 man8/jitsuctl.8 man5/jitsud.conf.5 \
    man5/jitsud.zone.5; do
	check "man page $m is installed" '[ -f "$dest/usr/share/man/$m" ]'
done
check "the man pages lint clean" \
    'mandoc -Tlint -Wwarning "$dest"/usr/share/man/man*/* '
unit=$dest/lib/systemd/system/jitsud.service
check "the unit is Type=notify and runs the installed daemon" \
    'grep -q "^Type=notify" "$unit" &&
     grep -q "^ExecStart=/usr/sbin/jitsud -d" "$unit"'
ex=$dest/usr/share/doc/jitsud/examples
check "the example configuration passes jitsud -n" \
    '"$dest/usr/sbin/jitsud" -n -f "$ex/jitsud.conf" 2>/dev/null'
rm -f "$dest.log"
finish install
