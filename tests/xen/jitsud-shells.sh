# jitsud-shells.sh -- domain shells (shells N, xlp.c and xls.c): with
# shells 1, jitsud keeps a shell of each small shape its zone uses,
# made ahead and paused; a summon fills that very domain (its domid
# becomes the guest's), which then serves; another shell is made after
# it; a stop leaves no XenStore behind; console=off fills one with no
# primary console; a jitsud that stops destroys its shells, and one
# that died leaves them for the next to destroy.  With
# shells 0 none is made and libxl builds the guest, and the check that a
# shell was used, run as a step that must fail, fails.  A shell's vif is
# connected as it is made (shell-vif connected, the default: xls.c), and
# the httpd unikernel adopts it; with shell-vif plain the guest connects
# it, and the checks that it was connected ahead, run as steps that must
# fail, fail.  A shell's RAM is populated as it is made (shell-ram
# populated, the default) and the fill says it found it; with shell-ram
# empty neither holds.

mkdir -p /etc/jitsud /var/lib/jitsud
# zone_head: the zone's origin, SOA, NS and the NS's address.
zone_head() {
	printf '$ORIGIN test.\n$TTL 30\n'
	printf '@\tIN\tSOA\tns hostmaster 1 3600 600 86400 30\n'
	printf '@\tIN\tNS\tns\nns\tIN\tA\t10.0.0.1\n'
}
# httpd NAME IP: the httpd unikernel (4 MiB) bound as NAME at IP.
httpd() {
	printf '%s\tIN\tUNIKERNEL\tkernel=/testbed/unikernels/httpd.pvh' "$1"
	printf ' type=pvh memory=4M cpuid="host,rdtscp=0" ip=%s' "$2"
	printf ' ready=xenstore max-boot=60s max-wait=30s idle=0 synjitsu=off\n'
}
{
	zone_head
	httpd u 10.0.0.30
} > /etc/jitsud/test.zone

# conf SHELLS [SHELL_VIF [SHELL_RAM]]: one builder, so there is exactly
# one pool to look at.
conf() {
	printf 'listen on 10.0.0.1\nzone test.zone\nbackend xen\nbuilders 1\nshells %s\nshell-vif %s\nshell-ram %s\n' \
	    "$1" "${2:-connected}" "${3:-populated}" > /etc/jitsud/jitsud.conf
}

start() {
	rm -f /run/jitsud/jitsud.sock
	jitsud -d -v -f /etc/jitsud/jitsud.conf >> /tmp/jitsud.log 2>&1 &
	echo $! > /tmp/jitsud.pid
	tb_until test -S /run/jitsud/jitsud.sock
}

stop() {
	_p=$(cat /tmp/jitsud.pid)
	kill "$1" "$_p" || return 1
	while kill -0 "$_p" 2>/dev/null; do
		sleep 0.1
	done
}

# The domids of the paused shells, one a line.
shells() {
	xl list | awk '$1 ~ /^jitsud-shell-[0-9]+-[0-9]+$/ && $5 ~ /p/ {
	    print $2 }'
}

one_shell() {
	[ "$(shells | wc -l)" -eq 1 ]
}

no_shell() {
	[ -z "$(xl list | awk '$1 ~ /^jitsud-shell-/')" ]
}

serves() {
	[ "$(tb_client dig @10.0.0.1 +time=40 +tries=1 +short u.test)" = \
	    10.0.0.30 ] || return 1
	until tb_client curl -sf --max-time 1 -o /dev/null http://10.0.0.30/; do
		sleep 0.05
	done
}

# The guest runs in the shell that was ready before the query.
in_the_shell() {
	echo "shell $(cat /tmp/shell), guest $(xl domid u.test)"
	[ "$(xl domid u.test)" = "$(cat /tmp/shell)" ] &&
	    grep -q "u.test: builder 1 filled shell $(cat /tmp/shell) " \
		/tmp/jitsud.log
}

gone() {
	! xl domid u.test > /dev/null 2>&1
}

no_xenstore_left() {
	! xenstore-exists "/local/domain/$(cat /tmp/shell)"
}

conf 1
tb_require jitsud-start 20 start
tb_step shell-made-ahead 30 tb_until one_shell
shells > /tmp/shell
tb_log "domains before the query" xl list
# A shell comes with its vif: its folders, all but the binding's MAC
# (the backend's is a placeholder until the summon), and netback's
# vifD.0, down and in no bridge until a summon.
shell_has_its_vif() {
	_d=$(cat /tmp/shell)
	xenstore-ls "/local/domain/0/backend/vif/$_d/0"
	xenstore-exists "/local/domain/$_d/device/vif/0" &&
	    { ! xenstore-exists "/local/domain/0/backend/vif/$_d/0/mac" ||
		[ "$(xenstore-read "/local/domain/0/backend/vif/$_d/0/mac")" = \
		    00:00:00:00:00:00 ]; } &&
	    ! xenstore-exists "/local/domain/$_d/device/vif/0/mac" &&
	    tb_until test -e "/sys/class/net/vif$_d.0" &&
	    [ ! -e "/sys/class/net/vif$_d.0/master" ]
}
tb_step shell-has-its-vif 20 shell_has_its_vif
# ...connected before any query: netback has mapped the shell's rings
# and bound its ports (backend Connected), the frontend's half written
# by jitsud (Connected), and the device stays down.
shell_vif_connected() {
	_d=$(cat /tmp/shell)
	_b=$(xenstore-read "/local/domain/0/backend/vif/$_d/0/state")
	_f=$(xenstore-read "/local/domain/$_d/device/vif/0/state")
	echo "shell $_d: backend state $_b, frontend state $_f"
	[ "$_b" = 4 ] && [ "$_f" = 4 ] &&
	    [ -r "/sys/class/net/vif$_d.0/flags" ] &&
	    [ $(($(cat "/sys/class/net/vif$_d.0/flags") & 1)) = 0 ] &&
	    [ "$(cat "/sys/class/net/vif$_d.0/operstate")" = down ]
}
tb_step shell-vif-connected-ahead 20 tb_until shell_vif_connected
# ...and its RAM is there (shell-ram populated, the default): Xen counts
# the guest's 4 MiB to the paused shell, and the fill only loads the
# kernel.
shell_ram_ahead() {
	xl list | awk -v d="$(cat /tmp/shell)" '$2 == d { print; ok = $3 >= 4 }
	    END { exit !ok }'
}
tb_step shell-ram-populated-ahead 5 shell_ram_ahead
tb_step summon-serves 60 serves
tb_step guest-runs-in-the-shell 5 in_the_shell
tb_step fill-found-its-ram 5 grep -q \
    "u.test: builder 1 filled shell $(cat /tmp/shell) (4 MiB, RAM made ahead)" \
    /tmp/jitsud.log
# Made with the shell, its vif is plugged before the guest runs
# (xlv_plug_now), so the guest's carrier can never come first.
vif_plugged_before() {
	grep "u.test: vif$(cat /tmp/shell).0 plugged before the unpause" \
	    /tmp/jitsud.log
}
tb_step vif-plugged-before-the-unpause 5 vif_plugged_before
# line_of FILE PATTERN [last]: the number of the first (or last) line
# of FILE that matches PATTERN, or nothing.
line_of() {
	grep -n -e "$2" "$1" | if [ "${3:-}" = last ]; then
		tail -n 1
	else
		head -n 1
	fi | cut -d: -f1
}

# in_order NAME_A A NAME_B B: line A comes before line B, both found.
in_order() {
	echo "$1 at line ${2:-none}, $3 at line ${4:-none}"
	[ -n "$2" ] && [ -n "$4" ] && [ "$2" -lt "$4" ]
}

# Its console folder comes once it is ready (xlb.c: xenconsoled's
# attaching slowed its boot), and xenconsoled then logs what it printed.
console_after_ready() {
	in_order ready "$(line_of /tmp/jitsud.log '^u.test.: .* -> ready after')" \
	    "console folder" "$(line_of /tmp/jitsud.log \
	    "u.test: shell $(cat /tmp/shell)'s console folder written")"
}
tb_step console-written-after-ready 10 tb_until console_after_ready
tb_step console-logged 10 \
    tb_until test -s /var/log/xen/console/guest-u.test.log
# The guest took the rings and ports it was given (netfront.c) and sent
# nothing of its own half of the handshake.
adopted() {
	grep "^netfront: " /var/log/xen/console/guest-u.test.log
	grep -q "^netfront: adopted the vif connected ahead" \
	    /var/log/xen/console/guest-u.test.log
}
tb_step guest-adopted-its-vif 10 tb_until adopted
another_shell() {
	[ -n "$(shells)" ] && [ "$(shells)" != "$(cat /tmp/shell)" ]
}
tb_step another-shell-made-after 30 tb_until another_shell
tb_log "domains after the summon" xl list
tb_log "the fill" grep -e "filled shell" -e "summon timeline" /tmp/jitsud.log
# A guest filled into a shell goes through libxenctrl, not through
# libxl's destroy, whose forked helper can wait for ever on a lock that
# another thread held when it was forked (xld_kill_shell).  libxl's
# helper would wait here on the domid-history lock, held meanwhile; the
# guest is gone all the same, at once.
( flock 9 && exec sleep 120 ) 9> /var/run/xen/domid-history.lock &
history_lock=$!
tb_step history-lock-held 10 tb_until sh -c \
    'ls -l /proc/*/fd 2>/dev/null | grep -q domid-history.lock'
xl domid u.test > /tmp/domid
stopped_at_once() {
	jitsuctl list | grep -q "^u.test. stopped " &&
	    ! xl list | awk -v d="$(cat /tmp/domid)" '$2 == d' | grep -q .
}
tb_step stop 10 jitsuctl stop u.test.
tb_step stopped-without-libxl 10 tb_until stopped_at_once
kill "$history_lock"
tb_step stopped-guest-gone 30 tb_until gone
tb_step no-xenstore-left 10 tb_until no_xenstore_left
# The next summon takes the shell made after the first (once the builder
# has been quiet for a second: xlp_busy).
tb_step shell-made-after-the-quiet 30 tb_until one_shell
shells > /tmp/shell
tb_step second-summon-serves 60 serves
tb_step second-guest-runs-in-the-next-shell 5 in_the_shell
tb_step stop-again 10 jitsuctl stop u.test.
tb_step stopped-again 30 tb_until gone
# console=off: the guest filled into a shell goes without a primary
# console: no console/ in XenStore, nothing for xenconsoled to log.
no_console() {
	_d=$(xl domid u.test) || return 1
	xenstore-ls "/local/domain/$_d/console" 2>&1 | head -n 3
	jitsuctl show u.test. 2>&1 | tail -n 12
	ls -l /var/log/xen/console/guest-u.test.log 2>&1
	! xenstore-exists "/local/domain/$_d/console" &&
	    jitsuctl show u.test. | grep -q "console off" &&
	    [ ! -s /var/log/xen/console/guest-u.test.log ]
}
sed -i 's/synjitsu=off$/synjitsu=off console=off/' /etc/jitsud/test.zone
tb_step reload-console-off 10 jitsuctl reload
tb_step shell-ready-for-console-off 30 tb_until one_shell
shells > /tmp/shell
rm -f /var/log/xen/console/guest-u.test.log
tb_step console-off-summon-serves 60 serves
tb_step console-off-guest-runs-in-the-shell 5 in_the_shell
tb_step console-off-has-no-console 5 no_console
tb_step console-off-stop 10 jitsuctl stop u.test.
tb_step console-off-gone 30 tb_until gone
sed -i 's/ console=off$//' /etc/jitsud/test.zone
tb_step reload-console-on 10 jitsuctl reload
# With Synjitsu too the guest gets its name and, once ready, its console.
named_with_console() {
	_d=$(xl domid u.test) || return 1
	ls -l /var/log/xen/console/guest-u.test.log
	tb_until xenstore-exists "/local/domain/$_d/console/ring-ref" &&
	    tb_until test -s /var/log/xen/console/guest-u.test.log
}
sed -i 's/synjitsu=off$/ports=80 synjitsu=on/' /etc/jitsud/test.zone
tb_step reload-synjitsu-on 10 jitsuctl reload
tb_step shell-ready-for-synjitsu 30 tb_until one_shell
shells > /tmp/shell
rm -f /var/log/xen/console/guest-u.test.log
tb_step synjitsu-summon-serves 60 serves
tb_step synjitsu-guest-runs-in-the-shell 5 in_the_shell
# The client here (in dom0) may start curl only after the guest asked:
# its connection is then kept and passed rather than handed over.
tb_step synjitsu-hand-over-done 5 grep -q \
    "u.test.: synjitsu: [0-9]* connection(s) handed over" /tmp/jitsud.log
tb_step synjitsu-guest-named-with-its-console 10 named_with_console
tb_step synjitsu-stop 10 jitsuctl stop u.test.
tb_step synjitsu-gone 30 tb_until gone
sed -i 's/ ports=80 synjitsu=on$/ synjitsu=off/' /etc/jitsud/test.zone
tb_step reload-synjitsu-off 10 jitsuctl reload
# A jitsud that stops takes its shells with it.
tb_step shell-ready-again 30 tb_until one_shell
tb_step jitsud-stops 20 stop -TERM
tb_step its-shells-are-gone 20 tb_until no_shell
# One that dies leaves its shell; the next jitsud destroys it.
tb_require jitsud-restart 20 start
tb_step shell-made-again 30 tb_until one_shell
shells > /tmp/stale
tb_step jitsud-killed 20 stop -KILL
tb_step killed-jitsuds-shell-remains 5 one_shell
tb_require jitsud-after-a-death 20 start
stale_gone() {
	! xl list | awk -v d="$(cat /tmp/stale)" '$2 == d' | grep -q .
}
tb_step stale-shell-destroyed 30 tb_until stale_gone
tb_step destroying-it-is-logged 5 grep -q \
    "destroying jitsud-shell-[0-9]*-$(cat /tmp/stale), a shell left" /tmp/jitsud.log
tb_step jitsud-stops-before-plain 20 stop -TERM
# shell-vif plain: the shell's vif waits in InitWait, the guest's
# netfront connects it.  shell-ram empty: the shell holds no RAM, the
# fill populates it.
conf 1 plain empty
tb_require jitsud-start-plain 20 start
tb_step plain-shell-made 30 tb_until one_shell
shells > /tmp/shell
plain_initwait() {
	_d=$(cat /tmp/shell)
	[ "$(xenstore-read "/local/domain/0/backend/vif/$_d/0/state")" = 2 ]
}
tb_step plain-shell-vif-in-initwait 20 tb_until plain_initwait
tb_expect_fail plain-shell-vif-not-connected 3 shell_vif_connected
tb_expect_fail empty-shell-has-no-ram 3 shell_ram_ahead
rm -f /var/log/xen/console/guest-u.test.log
tb_step plain-summon-serves 60 serves
tb_step plain-guest-runs-in-the-shell 5 in_the_shell
tb_expect_fail empty-fill-made-its-ram-then 3 grep -q \
    "u.test: builder 1 filled shell $(cat /tmp/shell) (4 MiB, RAM made ahead)" \
    /tmp/jitsud.log
tb_step plain-console-logged 10 \
    tb_until test -s /var/log/xen/console/guest-u.test.log
tb_step plain-guest-connected-itself 10 tb_until grep -q \
    "^netfront: connected in" /var/log/xen/console/guest-u.test.log
tb_expect_fail plain-guest-adopted-nothing 3 adopted
tb_step plain-stop 10 jitsuctl stop u.test.
tb_step plain-gone 30 tb_until gone
tb_step jitsud-stops-before-shells-0 20 stop -TERM
# shells 0: libxl builds it; no shell is made.
conf 0
tb_require jitsud-start-shells-0 20 start
sleep 3
tb_step no-shell-with-shells-0 5 no_shell
echo none > /tmp/shell
tb_step libxl-summon-serves 60 serves
tb_expect_fail shell-check-fails-without-shells 5 in_the_shell
tb_step libxl-stop 10 jitsuctl stop u.test.
tb_step libxl-gone 30 tb_until gone

# A burst on one builder: twelve names asked at once, their answers
# held until each is ready.  The builder watches each guest's
# data/status from its unpause (xlb_watch_booting), so a guest is seen
# ready as soon as it is, even while the later ones are still being
# filled.  Had it waited for the main thread's request, queued behind
# every fill, the first guest's watch would come after the last fill
# (in figure 2's burst of 32 jitsud heard of its first guests 4-5 s
# after they served, and so would their held answers have).  Whether a
# guest is ready before the last fill depends on how fast its NIC comes
# up (seen both ways): the order of the builder's log lines does not.
tb_step jitsud-stops-before-burst 20 stop -TERM
{
	zone_head
	j=1
	while [ "$j" -le 12 ]; do
		httpd "b$j" "10.0.0.$((60 + j))"
		j=$((j + 1))
	done
} > /etc/jitsud/test.zone
conf 12
tb_require jitsud-start-burst 20 start
twelve_shells() {
	[ "$(shells | wc -l)" -eq 12 ]
}
tb_step twelve-shells-made 90 tb_until twelve_shells
burst_at=$(wc -l < /tmp/jitsud.log)
tb_step burst-answered 60 tb_client qburst 10.0.0.1 53 'b%d.test' 12 40
# The builder's log lines of the burst, in its order: the first guest's
# watch, the last guest's fill.
watched_before_last_fill() {
	tail -n "+$((burst_at + 1))" /tmp/jitsud.log > /tmp/burst.log
	in_order "b1's watch" \
	    "$(line_of /tmp/burst.log '^b1\.test: data/status of domain [0-9]* watched')" \
	    "b12's fill" "$(line_of /tmp/burst.log \
	    '^b12\.test: builder 1 filled shell')"
}
tb_step burst-first-watched-before-last-fill 5 watched_before_last_fill
tb_log "the burst" grep -e '-> booting' -e '-> ready' -e 'filled shell' \
    -e 'watched' /tmp/burst.log
tb_step jitsud-stops-after-burst 20 stop -TERM
