#!/bin/sh
# install.sh -- `make install' puts every piece where a sysadmin looks for
# it, and the installed pieces are sound: man pages lint clean, the unit
# points at the installed daemon, the example configuration checks out,
# /etc/jitsud is filled once and never overwritten, and the vif hotplug
# script plugs a vif into its bridge (a veth in a namespace of our own,
# XenStore stubbed by files) or fails as libxl expects.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
dest=$(mktemp -d /tmp/jitsud-install.XXXXXX)
ns=jt-vif-$$
trap 'ip netns del "$ns" 2>/dev/null; rm -rf "$dest" "$dest.2"' EXIT

make -s -C "$top" install DESTDIR="$dest" PREFIX=/usr > "$dest.log" 2>&1
check_eq "make install succeeds" 0 "$?"
for f in /usr/sbin/jitsud /usr/sbin/jitsuctl; do
	check "$f is installed and executable" test -x "$dest$f"
done
for m in man8/jitsud.8 man8/jitsuctl.8 man5/jitsud.conf.5 \
    man5/jitsud.zone.5 man7/synjitsu.7 man7/conduit.7; do
	check "man page $m is installed" test -f "$dest/usr/share/man/$m"
done
check "the man pages lint clean" \
    mandoc -Tlint -Wwarning "$dest"/usr/share/man/man*/*
unit=$dest/lib/systemd/system/jitsud.service
check "the unit is Type=notify and runs the installed daemon" \
    eval 'grep -q "^Type=notify" "$unit" &&
     grep -q "^ExecStart=/usr/sbin/jitsud -d" "$unit"'
check "the unit reloads through jitsuctl, which fails on a bad configuration" \
    grep -q "^ExecReload=/usr/sbin/jitsuctl reload$" "$unit"
# The confinement (jitsud(8) SECURITY): systemd's own score of the
# installed unit, offline (no systemd running here), stays below 4.0;
# systemd-analyze verify, on a copy pointing at the staged programs,
# finds no setting it cannot parse and no command missing.  scripts/deps.sh
# installs systemd-analyze: without it the unit is unchecked, a failure.
check "systemd-analyze is installed (scripts/deps.sh)" \
    command -v systemd-analyze
if command -v systemd-analyze > /dev/null; then
	score=$(systemd-analyze security --offline=true "$unit" 2>&1 |
	    sed -n 's/.*Overall exposure level for jitsud.service: \([0-9.]*\).*/\1/p')
	echo "systemd-analyze security: jitsud.service exposure ${score:-none}"
	check "the unit's systemd-analyze security exposure is below 4.0" \
	    eval '[ -n "$score" ] && systemd-analyze security --offline=true \
	     --threshold=39 "$unit" > /dev/null 2>&1'
	check "the unit drops every capability but the four it names" \
	    grep -qx "CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_NET_RAW CAP_NET_ADMIN CAP_SYS_ADMIN" \
	    "$unit"
	mkdir -p "$dest/verify"
	sed "s|=/usr/sbin/|=$dest/usr/sbin/|" "$unit" \
	    > "$dest/verify/jitsud.service"
	check_eq "systemd-analyze verify finds nothing to say about the unit" "" \
	    "$(systemd-analyze verify --man=no "$dest/verify/jitsud.service" 2>&1)"
fi
check_eq "jitsud -V prints its version" "jitsud $(sed -n 's/^#define JITSUD_VERSION "\(.*\)"/\1/p' "$top/include/version.h")" \
    "$("$dest/usr/sbin/jitsud" -V)"
check_eq "jitsuctl -V prints its version" "jitsuctl $(sed -n 's/^#define JITSUD_VERSION "\(.*\)"/\1/p' "$top/include/version.h")" \
    "$("$dest/usr/sbin/jitsuctl" -V)"
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

script=$dest/etc/xen/scripts/vif-jitsu
check_eq "vif-jitsu is installed in /etc/xen/scripts, mode 0755" 755 \
    "$(stat -c %a "$script" 2>&1)"
check "vif-jitsu parses as POSIX sh (dash -n)" dash -n "$script"
if command -v shellcheck > /dev/null; then
	check "vif-jitsu passes shellcheck -s sh" shellcheck -s sh "$script"
fi
check "/etc/jitsud holds the example configuration and zone" \
    eval 'cmp "$ex/jitsud.conf" "$dest/etc/jitsud/jitsud.conf" &&
     cmp "$ex/example.org.zone" "$dest/etc/jitsud/example.org.zone"'

# An operator's edit survives a second install; a file they removed
# comes back.
echo "# the operator's own line" >> "$dest/etc/jitsud/jitsud.conf"
rm "$dest/etc/jitsud/example.org.zone"
make -s -C "$top" install DESTDIR="$dest" PREFIX=/usr > "$dest.log" 2>&1
check_eq "a second make install succeeds" 0 "$?"
check "a second install keeps the operator's /etc/jitsud/jitsud.conf" \
    grep -q "^# the operator's own line" "$dest/etc/jitsud/jitsud.conf"
check "a second install puts back a missing /etc/jitsud/example.org.zone" \
    test -s "$dest/etc/jitsud/example.org.zone"
make -s -C "$top" install DESTDIR="$dest.2" PREFIX=/usr \
    XENSCRIPTDIR=/usr/lib/xen/scripts SYSCONFDIR=/usr/etc > "$dest.log" 2>&1
check "XENSCRIPTDIR and SYSCONFDIR move the script and the configuration" \
    eval 'test -x "$dest.2/usr/lib/xen/scripts/vif-jitsu" &&
     test -f "$dest.2/usr/etc/jitsud/jitsud.conf" &&
     test ! -e "$dest.2/etc"'
rm -rf "$dest.2" "$dest.log"

# The hotplug script as libxl runs it, in a namespace with a bridge and
# a veth named like netback's vif; xenstore-read/-write are stubs on
# PATH over a folder; /var/log is a tmpfs of the namespace's own, with
# /var/log/xen bound to our folder to read the trace.
stub=$dest/stub
xs=$dest/xs
mkdir -p "$stub" "$xs" "$dest/xenlog"
cat > "$stub/xenstore-read" <<'STUB'
#!/bin/sh
for p; do
	cat "$XS_DIR/$p" 2>/dev/null || { echo "could not read $p" >&2; exit 1; }
done
STUB
cat > "$stub/xenstore-write" <<'STUB'
#!/bin/sh
while [ $# -ge 2 ]; do
	mkdir -p "$XS_DIR/${1%/*}" && printf '%s\n' "$2" > "$XS_DIR/$1" || exit 1
	shift 2
done
STUB
chmod 0755 "$stub"/*

# hotplug ACTION [VAR=VALUE...]: run the installed script in the
# namespace for backend/vif/7/0, vif7.0; its stderr lands in $dest.err.
hotplug() {
	_a=$1
	shift
	ip netns exec "$ns" env PATH="$stub:$PATH" XS_DIR="$xs" \
	    XENBUS_PATH=backend/vif/7/0 vif=vif7.0 "$@" sh -c '
		mount -t tmpfs none /var/log && mkdir /var/log/xen &&
		mount --bind "$0" /var/log/xen && exec "$1" "$2" type_if=vif' \
	    "$dest/xenlog" "$script" "$_a" 2> "$dest.err"
}
link() {
	ip netns exec "$ns" ip -o link show dev vif7.0
}
xsget() {
	cat "$xs/backend/vif/7/0/$1" 2>/dev/null
}

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP the vif-jitsu runs: they need root for a namespace"
	finish install
fi
ip netns add "$ns" &&
    ip -n "$ns" link add br-jt type bridge &&
    ip -n "$ns" link set br-jt up &&
    ip -n "$ns" link add vif7.0 type veth peer name guest
check_eq "a namespace with a bridge and a vif" 0 "$?"
mkdir -p "$xs/backend/vif/7/0"
echo br-jt > "$xs/backend/vif/7/0/bridge"

hotplug online
check_eq "online exits 0" 0 "$?"
check "online puts vif7.0 into the bridge the backend names, link up" \
    eval 'link | grep -q "master br-jt" && link | grep -q "<[^>]*,UP[,>]"'
check_eq "online writes hotplug-status=connected" connected \
    "$(xsget hotplug-status)"
check "online leaves a line in /var/log/xen/vif-jitsu.log" \
    grep -q "^online vif vif7.0 bridge=br-jt: connected" \
    "$dest/xenlog/vif-jitsu.log"

hotplug offline
check_eq "offline exits 0" 0 "$?"
check_not "offline takes vif7.0 out of the bridge and down" \
    eval 'link | grep -q -e "master br-jt" -e "<[^>]*,UP[,>]"'
hotplug offline
check_eq "offline of a gone or detached vif still exits 0" 0 "$?"

echo br-missing > "$xs/backend/vif/7/0/bridge"
hotplug online
check_eq "online with a missing bridge exits 1" 1 "$?"
check "... saying so on stderr" \
    grep -q "^vif-jitsu: online vif7.0: bridge br-missing does not exist" \
    "$dest.err"
check_eq "... writing hotplug-status=error" error "$(xsget hotplug-status)"
check "... and the reason in hotplug-error for libxl" \
    eval 'xsget hotplug-error | grep -q "bridge br-missing does not exist"'
check_not "... leaving vif7.0 out of any bridge" \
    eval 'link | grep -q master'

echo br-jt > "$xs/backend/vif/7/0/bridge"
hotplug online vif=vif9.0
check_eq "online for an interface that does not exist exits 1" 1 "$?"
check "... naming it on stderr" grep -q "no interface vif9.0" "$dest.err"
check_eq "... writing hotplug-status=error" error "$(xsget hotplug-status)"

rm -f "$xs/backend/vif/7/0/bridge"
hotplug online
check "with no bridge node, online uses the dom0's first bridge" \
    eval 'link | grep -q "master br-jt" &&
     [ "$(xsget hotplug-status)" = connected ]'

hotplug online XENBUS_PATH=
check_eq "without XENBUS_PATH it exits 1" 1 "$?"
check "... saying XENBUS_PATH is not set" grep -q "XENBUS_PATH" "$dest.err"
hotplug restart
check_eq "an unknown action exits 1" 1 "$?"
check "... naming it" grep -q "unknown action 'restart'" "$dest.err"
rm -f "$dest.err"
finish install
