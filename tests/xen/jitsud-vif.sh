# jitsud-vif.sh -- vif-plug: with the default (inline) a summoned
# domain's vif is in br0 and up, with no IPv6 of its own, plugged by
# jitsud itself: no hotplug script ran and jitsud created no process
# (nor thread) during the summon; stopping the domain leaves no vif
# behind; a bridge that does not exist fails the summon, naming vif and
# bridge.  With vif-plug script, libxl runs vif-jitsu, and the same
# measure sees its processes.
#
# How "no process" is measured: jitsud runs as process 1 of a PID
# namespace of its own, where PIDs are handed out in order.  A probe
# process entered into that namespace before and after a summon gets
# the next free PID each time; the gap between the two, less the probe
# itself, is how many processes and threads jitsud (or libxl inside it)
# created meanwhile.  libxenstore starts a reader thread on a handle's
# first watch, so a warm-up summon comes first and the measured one is
# the second.

mkdir -p /etc/jitsud /var/lib/jitsud
uk="kernel=/testbed/unikernels/httpd.pvh type=pvh memory=8M cpuid=\"host,rdtscp=0\" ready=xenstore max-boot=60s max-wait=30s idle=0 synjitsu=off"
{
	printf '$ORIGIN test.\n$TTL 30\n'
	printf '@\tIN\tSOA\tns hostmaster 1 3600 600 86400 30\n'
	printf '@\tIN\tNS\tns\nns\tIN\tA\t10.0.0.1\n'
	printf 'www\tIN\tUNIKERNEL\t%s ip=10.0.0.21\n' "$uk"
	printf 'nobr\tIN\tUNIKERNEL\t%s ip=10.0.0.22 bridge=br9\n' "$uk"
} > /etc/jitsud/test.zone

# conf MODE-LINE: jitsud.conf with vif-script set as the other suites
# set it, and MODE-LINE ("" for the default).
# One builder: a builder's first domain starts libxenstore's reader
# threads for its two XenStore handles (threads, not processes), and with
# several builders taking turns the measured summon could be some
# builder's first.  One builder, warmed up once, makes it a fair count.
conf() {
	printf 'listen on 10.0.0.1\nzone test.zone\nbackend xen\nvif-script vif-jitsu\nbuilders 1\n%s\n' \
	    "$1" > /etc/jitsud/jitsud.conf
}

# jitsud as PID 1 of a new PID namespace; its PID out here in /tmp/jpid.
start_ns_jitsud() {
	rm -f /run/jitsud/jitsud.sock
	unshare -p -f jitsud -d -v -v -f /etc/jitsud/jitsud.conf \
	    >> /tmp/jitsud.log 2>&1 &
	_u=$!
	tb_until test -S /run/jitsud/jitsud.sock
	cat /proc/$_u/task/*/children | tr -d ' ' > /tmp/jpid
	[ -n "$(cat /tmp/jpid)" ] && kill -0 "$(cat /tmp/jpid)"
}

stop_jitsud() {
	_p=$(cat /tmp/jpid)
	kill "$_p" || return 1
	while kill -0 "$_p" 2>/dev/null; do
		sleep 0.1
	done
}

# The next PID of jitsud's namespace (the probe's own).
ns_next_pid() {
	nsenter -t "$(cat /tmp/jpid)" -p sh -c 'echo $$'
}

summon() {
	[ "$(tb_client dig @10.0.0.1 +time=40 +tries=1 +short www.test)" = \
	    10.0.0.21 ]
}

page() {
	tb_client curl -sf --max-time 5 http://10.0.0.21/ | grep -qi "<html"
}

serves() {
	_n=0
	until page; do
		_n=$((_n + 1))
		[ $_n -lt 10 ] || return 1
		sleep 0.5
	done
}

# Summon, counting the tasks jitsud made meanwhile into /tmp/tasks.
measured_summon() {
	_a=$(ns_next_pid) || return 1
	summon || return 1
	_b=$(ns_next_pid) || return 1
	echo $((_b - _a - 1)) > /tmp/tasks
	echo "probe PIDs $_a then $_b: $(cat /tmp/tasks) tasks made by jitsud"
}

vif_of() {
	echo "vif$(xl domid "$1").0"
}

# In br0, up, and netback told so (hotplug-status), Connected.
vif_plugged() {
	_d=$(xl domid www.test) || return 1
	_v=vif$_d.0
	_be=/local/domain/0/backend/vif/$_d/0
	ip -o link show dev "$_v"
	ip -o link show dev "$_v" | grep -q 'master br0' &&
	    ip -o link show dev "$_v" | grep -q '[<,]UP[,>]' &&
	    [ -e "/sys/class/net/br0/brif/$_v" ] &&
	    [ "$(xenstore-read "$_be/hotplug-status")" = connected ] &&
	    [ "$(xenstore-read "$_be/state")" = 4 ] &&
	    no_ipv6 "$_v"
}

# A bridge port with no IPv6 of its own (jitsud and vif-jitsu turn it
# off before the link is up): no address, not even a link-local one.
# (cat: busybox's read fails on a /proc/sys file, though it reads it.)
no_ipv6() {
	_off=$(cat "/proc/sys/net/ipv6/conf/$1/disable_ipv6") &&
	    echo "$1: disable_ipv6=$_off" && [ "$_off" = 1 ] &&
	    ! ip -6 -o addr show dev "$1" | grep inet6
}

domain_gone() {
	! xl domid "$1" > /dev/null 2>&1
}

# Nothing of domain $1 (a domid) left: interface, bridge port, backend.
no_stale_vif() {
	ls /sys/class/net/br0/brif
	[ ! -e "/sys/class/net/vif$1.0" ] &&
	    [ ! -e "/sys/class/net/br0/brif/vif$1.0" ] &&
	    ! xenstore-exists "/local/domain/0/backend/vif/$1"
}

stop_www() {
	jitsuctl stop www.test. && tb_until domain_gone www.test
}

no_script_ran() {
	! grep . /var/log/xen/vif-jitsu.log 2>/dev/null
}

devices_phase() {
	jitsuctl show www.test. | grep '^phase devices [0-9]* ms$'
}

nobr_fails() {
	tb_client dig @10.0.0.1 +time=40 +tries=1 nobr.test |
	    grep -q "status: SERVFAIL" || return 1
	_e=$(jitsuctl show nobr.test. | grep last-error)
	echo "$_e"
	echo "$_e" | grep -q 'vif[0-9]*\.0' && echo "$_e" | grep -q br9
}

nobr_left_nothing() {
	domain_gone nobr.test || return 1
	{
		xenstore-ls /local/domain/0/backend/vif
		xl list
	} > /tmp/nobr.left 2>&1
	# Only www's backend may be there (or none at all), and those of
	# the pool's shells, which are made with their vifs.
	_www=$(xl domid www.test 2>/dev/null)
	_shells=$(xl list | awk '$1 ~ /^jitsud-shell-/ { print $2 }')
	for _d in $(xenstore-list /local/domain/0/backend/vif 2>/dev/null); do
		[ "$_d" = "$_www" ] && continue
		echo "$_shells" | grep -qx "$_d" || return 1
	done
}

mkdir -p /var/log/xen
rm -f /var/log/xen/vif-jitsu.log

# vif-plug inline, the default.
conf ""
tb_require inline-jitsud-start 20 start_ns_jitsud
tb_require inline-warm-up-summon 90 summon
tb_step inline-serves 30 serves
tb_step inline-vif-in-bridge-up-connected 20 tb_until vif_plugged
tb_step inline-devices-phase 10 devices_phase
d=$(xl domid www.test)
tb_step inline-stop 40 stop_www
tb_step inline-destroy-leaves-no-vif 20 tb_until no_stale_vif "$d"
tb_require inline-measured-summon 90 measured_summon
tb_say "INFO inline: jitsud made $(cat /tmp/tasks) processes or threads during the summon"
tb_step inline-jitsud-made-no-process 5 test "$(cat /tmp/tasks)" -eq 0
tb_step inline-serves-again 30 serves
tb_step inline-vif-plugged-again 20 tb_until vif_plugged
tb_step inline-no-hotplug-script-ran 5 no_script_ran
tb_step inline-missing-bridge-fails-naming-both 60 nobr_fails
tb_step inline-missing-bridge-leaves-nothing 30 tb_until nobr_left_nothing ||
    tb_log "vif backends and domains left" cat /tmp/nobr.left
tb_log "inline: libxl and jitsud on the vifs" grep -E 'vif|hotplug' /tmp/jitsud.log
d=$(xl domid www.test)
tb_step inline-stop-again 40 stop_www
tb_step inline-destroy-again-leaves-no-vif 20 tb_until no_stale_vif "$d"
tb_step inline-jitsud-term 20 stop_jitsud

# vif-plug script: libxl runs vif-jitsu, and the measure sees it.
conf "vif-plug script"
tb_require script-jitsud-start 20 start_ns_jitsud
tb_require script-warm-up-summon 90 summon
tb_step script-stop 40 stop_www
tb_require script-measured-summon 90 measured_summon
tb_say "INFO script: jitsud made $(cat /tmp/tasks) processes or threads during the summon"
tb_step script-processes-seen 5 test "$(cat /tmp/tasks)" -gt 0
tb_step script-serves 30 serves
tb_step script-vif-in-bridge-up-connected 20 tb_until vif_plugged
script_ran() {
	cat /var/log/xen/vif-jitsu.log
	grep -q "^online vif $(vif_of www.test) bridge=br0: connected" \
	    /var/log/xen/vif-jitsu.log
}
tb_step script-vif-jitsu-ran 5 script_ran
tb_step script-stop-again 40 stop_www
tb_step script-jitsud-term 20 stop_jitsud
tb_log "every summon's timeline, inline then script" grep "summon timeline" /tmp/jitsud.log
tb_log "jitsud's log" tail -n 80 /tmp/jitsud.log
