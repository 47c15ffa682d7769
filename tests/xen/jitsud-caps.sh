# jitsud-caps.sh -- jitsud confined as jitsud.service confines it, on real
# Xen.  Started under the unit's capability bounding set with
# no_new_privs, in a file system read-only but for the unit's writable
# paths (setpriv and a mount namespace do what systemd would; this dom0
# has no systemd), jitsud keeps only CAP_NET_BIND_SERVICE, CAP_NET_RAW and
# CAP_NET_ADMIN, in every thread; with only those, libxl builds a domain
# whose vif Xen's stock vif-bridge plugs (bash, ip and locks, run by libxl
# with what jitsud kept and no more), Synjitsu holds the client's
# connection on its packet socket and hands it over through XenStore, a
# reload binds port 53 on a new address, jitsuctl stop destroys the
# domain through libxl's helper; then, with the default inline vif, a
# domain shell made ahead (libxenctrl) is filled, plugged over rtnetlink
# and served.

mkdir -p /etc/jitsud /var/lib/jitsud
uk="kernel=/testbed/unikernels/httpd.pvh type=pvh memory=8M cpuid=\"host,rdtscp=0\" ready=xenstore ports=80 max-boot=60s idle=0"
{
	printf '$ORIGIN test.\n$TTL 30\n'
	printf '@\tIN\tSOA\tns hostmaster 1 3600 600 86400 30\n'
	printf '@\tIN\tNS\tns\nns\tIN\tA\t10.0.0.1\n'
	printf 'syn\tIN\tUNIKERNEL\t%s ip=10.0.0.51 synjitsu=on\n' "$uk"
	printf 'www\tIN\tUNIKERNEL\t%s ip=10.0.0.52 max-wait=30s\n' "$uk"
} > /etc/jitsud/test.zone
# conf EXTRA-LINES: the test's jitsud.conf.
conf() {
	printf 'listen on 10.0.0.1\nzone test.zone\nbackend xen\n%s\n' "$1" \
	    > /etc/jitsud/jitsud.conf
}

# The unit's CapabilityBoundingSet=, as util-linux's setpriv wants it
# (-all,+net_raw,...); busybox's setpriv applet knows no bounding set.
bound=$(sed -n 's/^CapabilityBoundingSet=//p' /testbed/jitsud.service |
    tr 'A-Z' 'a-z' | sed 's/cap_//g; s/ /,+/g; s/^/-all,+/')
tb_say "the unit's bounding set for setpriv: $bound"

# ProtectSystem=strict as the unit sets it: in a mount namespace of its
# own, jitsud sees every folder read-only but the unit's ReadWritePaths=
# (less /proc/sys/net, for the process backend), its StateDirectory= and
# RuntimeDirectory= and LogsDirectory= (/dev, /proc, /sys and /tmp: other
# settings), which systemd makes when missing; "-" marks a path that may
# be missing.
unit_dirs() {
	sed -n "s/^$1=//p" /testbed/jitsud.service | tr ' ' '\n' |
	    sed "/^\$/d; s|^|$2/|"
}
rw=$(sed -n 's/^ReadWritePaths=//p' /testbed/jitsud.service | tr ' ' '\n' |
    grep -v '^/proc/' | sed 's/^-//')
rw="$rw $(unit_dirs StateDirectory /var/lib) $(unit_dirs RuntimeDirectory /run)"
rw="$rw $(unit_dirs LogsDirectory /var/log)"
tb_say "read-write for jitsud:" $rw
mkdir -p /var/lib/xen /var/log/xen /run/xen-hotplug /var/lib/jitsud \
    /run/jitsud
# shellcheck disable=SC2016
strict='
for p in $1; do
	[ -d "$p" ] && { mount --bind "$p" "$p" || exit 1; }
done
for d in /bin /etc /lib /lib64 /root /run /sbin /testbed /usr /var; do
	[ -d "$d" ] && [ ! -L "$d" ] || continue
	mount --rbind "$d" "$d" && mount -o remount,bind,ro "$d" || exit 1
done
shift
exec "$@"'

start_confined() {
	rm -f /run/jitsud/jitsud.sock
	unshare -m sh -c "$strict" strict "$rw" \
	    /usr/bin/setpriv --bounding-set "$bound" --inh-caps -all \
	    --no-new-privs jitsud -d -v -v -f /etc/jitsud/jitsud.conf \
	    >> /tmp/jitsud.log 2>&1 &
	echo $! > /tmp/jitsud.pid
	tb_until test -S /run/jitsud/jitsud.sock
}

# What jitsud's namespace lets it write: its folders, not /etc or /run.
strict_seen() {
	_p=$(cat /tmp/jitsud.pid)
	nsenter -t "$_p" -m sh -c '! touch /etc/jitsud/x 2> /dev/null &&
	    ! touch /run/x 2> /dev/null && ! touch /var/lib/x 2> /dev/null &&
	    touch /var/lib/xen/x /run/jitsud/x && rm /var/lib/xen/x /run/jitsud/x'
}

stop_jitsud() {
	_p=$(cat /tmp/jitsud.pid)
	kill "$_p" || return 1
	while kill -0 "$_p" 2>/dev/null; do
		sleep 0.1
	done
}

# Every thread of jitsud (the builders run libxl): effective = permitted
# = NET_BIND_SERVICE|NET_ADMIN|NET_RAW (0x3400), nothing inheritable or
# ambient, no_new_privs, and the unit's bound (those and SYS_ADMIN).
caps_kept() {
	_n=0
	for _s in /proc/"$(cat /tmp/jitsud.pid)"/task/*/status; do
		awk '/^(Cap|NoNewPrivs)/ { printf "%s%s", sep, $0; sep = " " }
		    END { print "" }' "$_s"
		awk '$1 == "CapEff:" || $1 == "CapPrm:" { ok += $2 == "0000000000003400" }
		    $1 == "CapInh:" || $1 == "CapAmb:" { ok += $2 == "0000000000000000" }
		    $1 == "CapBnd:" { ok += $2 == "0000000000203400" }
		    $1 == "NoNewPrivs:" { ok += $2 == 1 }
		    END { exit ok != 6 }' "$_s" || return 1
		_n=$((_n + 1))
	done
	echo "$_n threads"
	[ "$_n" -gt 1 ]
}

# dig NAME, then curl its address at once.
dig_then_curl() {
	_ip=$(tb_client dig @10.0.0.1 +time=40 +tries=1 +short "$1.test")
	[ "$_ip" = "$2" ] || { echo "dig $1: got '$_ip'"; return 1; }
	tb_client curl -s --max-time 30 -o /tmp/$1.page "http://$_ip/" &&
	    grep -qi "<html" /tmp/$1.page
}

domain_gone() {
	! xl domid "$1" > /dev/null 2>&1
}

# The hotplug script libxl runs: vif-bridge, after noting what it got.
printf '%s\n' '#!/bin/sh' \
    'grep -E "^(Cap|NoNewPrivs)" /proc/$$/status > /tmp/hotplug.caps' \
    'exec /etc/xen/scripts/vif-bridge "$@"' > /etc/xen/scripts/vif-caps
chmod 0755 /etc/xen/scripts/vif-caps

# One: libxl builds (shells 0), vif-bridge plugs, Synjitsu stands in.
conf 'vif-plug script
vif-script vif-caps
shells 0
builders 1'
tb_require jitsud-start-confined 30 start_confined
tb_step capabilities-dropped-in-every-thread 10 caps_kept
tb_step file-system-read-only-but-for-the-unit-s-paths 10 strict_seen
tb_log "jitsud's capability drop" grep "capabilities:" /tmp/jitsud.log
tb_step libxl-vif-bridge-synjitsu-page 90 dig_then_curl syn 10.0.0.51
# The real ip: busybox's applet knows no "master".
in_bridge() {
	_d=$(xl domid "$1") || return 1
	/usr/bin/ip -o link show master br0 | grep "vif$_d\.0" &&
	    [ "$(xenstore-read "/local/domain/0/backend/vif/$_d/0/hotplug-status")" = connected ]
}
tb_step hotplug-script-plugged-the-vif 10 in_bridge syn.test
# Root's exec would have given it the unit's bound (with SYS_ADMIN).
hotplug_caps() {
	cat /tmp/hotplug.caps
	grep -q "^CapEff:.*0000000000003400$" /tmp/hotplug.caps &&
	    grep -q "^CapPrm:.*0000000000003400$" /tmp/hotplug.caps &&
	    grep -q "^NoNewPrivs:.*1$" /tmp/hotplug.caps
}
tb_step hotplug-script-has-only-what-jitsud-kept 10 hotplug_caps
tb_step synjitsu-handed-over 10 sh -c \
    'jitsuctl metrics | grep -q "^jitsud_synjitsu_handed_connections_total [1-9]"'

# A reload that listens on one more address binds port 53 again.
ip addr add 10.0.0.3/24 dev br0
conf 'listen on 10.0.0.3
vif-plug script
vif-script vif-caps
shells 0
builders 1'
tb_step reload-binds-port-53 20 jitsuctl reload
new_address_answers() {
	[ "$(tb_client dig @10.0.0.3 +time=5 +tries=1 +short ns.test)" = \
	    10.0.0.1 ]
}
tb_step answers-on-the-new-address 10 new_address_answers
tb_step libxl-destroys 10 jitsuctl stop syn.test.
tb_step domain-destroyed 30 tb_until domain_gone syn.test
tb_step jitsud-stop 20 stop_jitsud

# Two: the default inline vif and a pool of shells (libxenctrl).
conf 'shells 1
builders 1'
tb_require jitsud-restart-confined 30 start_confined
tb_step capabilities-dropped-again 10 caps_kept
shell_ready() {
	xl list | grep -q "^jitsud-shell-"
}
tb_step shell-made 60 tb_until shell_ready
tb_log "domains" xl list
tb_step shell-filled-page 90 dig_then_curl www 10.0.0.52
tb_step filled-from-a-shell 10 grep -q "www.test: builder 1 filled shell" \
    /tmp/jitsud.log
tb_step inline-stop 10 jitsuctl stop www.test.
tb_step inline-domain-destroyed 30 tb_until domain_gone www.test
tb_step jitsud-stop-again 20 stop_jitsud
tb_log "jitsud's log" tail -n 60 /tmp/jitsud.log
