# jitsud-conduit.sh -- conduit(7) brokered by jitsud, end to end
#
# Two bindings of the echo unikernel serve conduit names (echo.test;
# echo2.test and spare.test).  Both are cold at the start.
#  (a) `jitsuctl connect echo.test' from Dom0 summons echo and 1 MiB
#      goes through the vchan and back intact; the channel's nodes go
#      with the connection.
#  (b) the tests/conduit.c unikernel, a domain jitsud did not make,
#      asks for echo2.test: echo2 is summoned on that request and the
#      client checks 1 MiB; when the client goes, its mailbox goes.
#  (d) echo2 is stopped for idleness, and the client, started again (as
#      PV this time), summons it again and is served again.
# echo serves three Dom0 channels in turn (its vchan slots come back),
# and a unikernel asking for an unknown name hears -UK_ENOENT.
#  (c) while a channel to echo2 is open, a third domU (tests/xenstore.c) can
#      neither read, list nor write below its path, the server's offer
#      and mailbox, nor the server's requests, nor jitsud's folder.
# Between them: the folder's permissions, and requests that must be
# refused without harm (unknown name, malformed, a server asking for
# itself).

mkdir -p /etc/jitsud /var/lib/jitsud
uk="kernel=/testbed/unikernels/echo.pvh type=pvh memory=8M cpuid=\"host,rdtscp=0\" ready=xenstore max-boot=60s max-wait=30s synjitsu=off"
{
	printf '$ORIGIN test.\n$TTL 30\n'
	printf '@\tIN\tSOA\tns hostmaster 1 3600 600 86400 30\n'
	printf '@\tIN\tNS\tns\nns\tIN\tA\t10.0.0.1\n'
	printf 'echo\tIN\tUNIKERNEL\t%s ip=10.0.0.31 idle=0 conduit=echo\n' "$uk"
	printf 'echo2\tIN\tUNIKERNEL\t%s ip=10.0.0.32 idle=8s stop=destroy conduit=echo2,spare\n' "$uk"
} > /etc/jitsud/test.zone
printf 'listen on 10.0.0.1\nzone test.zone\nbackend xen\nvif-script vif-jitsu\n' \
    > /etc/jitsud/jitsud.conf
jitsud -d -v -v -f /etc/jitsud/jitsud.conf > /tmp/jitsud.log 2>&1 &
jpid=$!
if ! tb_step conduit-jitsud-started 30 tb_until test -S /run/jitsud/jitsud.sock
then
	tb_log "jitsud log" cat /tmp/jitsud.log
	tb_end 1
fi

cli=jitsud-conduit-cli
clilog=/var/log/xen/console/guest-$cli.log

# A node's permissions as xenstore-ls -p shows them: n0,r5 and the like.
perm() {
	xenstore-ls -p "$(dirname "$1")" | grep "^$(basename "$1") = " |
	    sed 's/.*(\(.*\))$/\1/'
}

# jitsud's folder: its own, no domain may read it (n0).
folder() {
	for _p in /jitsu/conduit /jitsu/conduit/chan /jitsu/conduit/dom; do
		echo "$_p: $(perm $_p)"
		[ "$(perm $_p)" = n0 ] || return 1
	done
}

both_cold() {
	stopped echo && stopped echo2
}

stopped() {
	jitsuctl list | grep -q "^$1\\.test\\. stopped "
}

ready() {
	jitsuctl list | grep -q "^$1\\.test\\. ready "
}

# (a): 1 MiB from Dom0 and back, the server cold.
head -c 1048576 /dev/urandom > /tmp/mib
dom0_echo() {
	jitsuctl connect echo.test < /tmp/mib > /tmp/back || return 1
	ls -l /tmp/mib /tmp/back
	cmp /tmp/mib /tmp/back
}

# Nothing left of a channel once both ends are done with it.
no_channels() {
	[ -z "$(xenstore-list /jitsu/conduit/chan)" ]
}

unknown_refused() {
	jitsuctl connect nope.test < /dev/null 2> /tmp/err
	_rc=$?
	cat /tmp/err
	[ $_rc = 1 ] && grep -q unknown /tmp/err
}

# A request as a domain writes it (Dom0 writes into the domain's own
# folder for it), and the reply jitsud puts in that domain's mailbox.
ask() {
	xenstore-write "/local/domain/$1/data/conduit/$2" "$3" &&
	    tb_until xenstore-read "/jitsu/conduit/dom/$1/reply/$2" &&
	    xenstore-read "/jitsu/conduit/dom/$1/reply/$2"
}

refusals() {
	_d=$(xl domid echo.test) || return 1
	_m=$(ask "$_d" bad "connect -not-a-name-") &&
	    _s=$(ask "$_d" self "connect ECHO.test.") || return 1
	echo "malformed: $_m; self: $_s"
	echo "mailbox: $(perm /jitsu/conduit/dom/$_d)," \
	    "reply: $(perm /jitsu/conduit/dom/$_d/reply/bad)"
	[ "$_m" = "error malformed" ] && [ "$_s" = "error self" ] &&
	    [ "$(perm /jitsu/conduit/dom/$_d)" = "n0,r$_d" ] &&
	    [ "$(perm /jitsu/conduit/dom/$_d/reply/bad)" = "n0,r$_d" ] ||
	    return 1
	# The domain removes its requests: the replies go too.
	xenstore-rm "/local/domain/$_d/data/conduit/bad" \
	    "/local/domain/$_d/data/conduit/self"
	until [ -z "$(xenstore-list "/jitsu/conduit/dom/$_d/reply")" ]; do
		sleep 0.2
	done
}

# client_run [CFG]: the client unikernel ($cli.cfg: PVH).
client_run() {
	xl destroy "$cli" > /dev/null 2>&1 # a failed run's, kept by on_crash
	rm -f "$clilog"
	xl create -q "/testbed/tests/${1:-$cli}.cfg" || return 1
	xl domid "$cli" > /tmp/clidom
	tb_until grep -q "conduit: SUCCESS\|conduit: FAILURE" "$clilog"
	cat "$clilog"
	grep -q "1048576 bytes echoed intact" "$clilog" &&
	    grep -q "conduit: SUCCESS" "$clilog"
}

server_mailbox_gone() {
	[ -s /tmp/srvdom ] &&
	    ! xenstore-list /jitsu/conduit/dom | grep -qx "$(cat /tmp/srvdom)"
}

# The summons for echo2's conduit name so far: $2 of them.
summons() {
	[ "$(grep -c "conduit: $1.test summons $1.test." /tmp/jitsud.log)" = "$2" ]
}

client_gone() {
	! xl domid "$cli" > /dev/null 2>&1
}

# The client's mailbox goes with it.
mailbox_gone() {
	! xenstore-list /jitsu/conduit/dom | grep -qx "$(cat /tmp/clidom)"
}

tb_require conduit-folder 10 folder
tb_step conduit-cold-at-start 5 both_cold
t0=$(tb_now)
tb_step conduit-dom0-cold-1mib 120 dom0_echo
tb_say "BENCH conduit dom0_cold_1mib_ms=$(($(tb_now) - t0))"
tb_step conduit-dom0-summoned-echo 5 grep -q "conduit: echo.test summons echo.test." /tmp/jitsud.log
tb_step conduit-dom0-timeline 5 sh -c 'jitsuctl show echo.test. | grep -q "^phase ready "'
tb_step conduit-dom0-channel-removed 20 tb_until no_channels
t0=$(tb_now)
tb_step conduit-dom0-warm-1mib 60 dom0_echo
tb_say "BENCH conduit dom0_warm_1mib_ms=$(($(tb_now) - t0))"
# A third channel to the same echo: a server takes any number over its
# life (its vchan slots come back when a channel ends).
t0=$(tb_now)
tb_step conduit-dom0-third-channel 60 dom0_echo
tb_step conduit-unknown-refused 20 unknown_refused
tb_step conduit-bad-requests-refused 30 refusals
# (c): a channel held open by a Dom0 client whose stdin stays open.
third_domain() {
	rm -f /tmp/hold
	mkfifo /tmp/hold
	# echo2, summoned again: echo has used up the two channels our
	# unikernels have, and echo2 one.
	jitsuctl connect echo2.test < /tmp/hold > /dev/null &
	_ctl=$!
	sleep 600 > /tmp/hold &
	_holder=$!
	until [ -n "$(xenstore-list /jitsu/conduit/chan)" ]; do
		kill -0 "$_ctl" 2> /dev/null || { kill "$_holder"; return 1; }
		sleep 0.2
	done
	_p=$(xenstore-list /jitsu/conduit/chan | head -n 1)
	_s=$(xl domid echo2.test) || return 1
	tb_until xenstore-exists "/jitsu/conduit/chan/$_p/ring-ref"
	echo "channel $_p to domain $_s: $(perm /jitsu/conduit/chan/$_p)"
	xenstore-ls -p "/jitsu/conduit/chan/$_p"
	[ "$(perm /jitsu/conduit/chan/$_p)" = "n0,b$_s" ] || return 1
	_deny=/jitsu/conduit/chan/$_p,/jitsu/conduit/dom/$_s
	_deny=$_deny,/jitsu/conduit/dom/$_s/accept/$_p
	_deny=$_deny,/local/domain/$_s/data/conduit,/jitsu/conduit
	xl create -q /testbed/tests/uk/uk-xenstore.cfg \
	    "extra=\"name=uk-xenstore deny=$_deny\"" || return 1
	tb_until sh -c '! xl domid uk-xenstore > /dev/null 2>&1'
	kill "$_holder"
	cat /var/log/xen/console/guest-uk-xenstore.log
	[ "$(grep -c "is out of reach" \
	    /var/log/xen/console/guest-uk-xenstore.log)" = 5 ] &&
	    grep -q "^SUCCESS" /var/log/xen/console/guest-uk-xenstore.log
}
tb_step conduit-uk-to-uk-cold 180 client_run
tb_step conduit-uk-summoned-echo2 5 summons echo2 1
tb_step conduit-client-gone 30 tb_until client_gone
tb_step conduit-client-mailbox-removed 20 tb_until mailbox_gone
tb_log "mailboxes" xenstore-list /jitsu/conduit/dom
# The server's mailbox, made for its offer, goes with it too.
xl domid echo2.test > /tmp/srvdom
tb_step conduit-server-mailbox-made 5 sh -c \
    "xenstore-list /jitsu/conduit/dom | grep -qx $(cat /tmp/srvdom)"
tb_step conduit-server-idle-stopped 60 tb_until stopped echo2
tb_step conduit-server-mailbox-removed 20 tb_until server_mailbox_gone
tb_step conduit-uk-to-uk-again-pv 180 client_run "$cli-pv"
tb_step conduit-server-summoned-again 10 summons echo2 2
tb_step conduit-third-domain-denied 120 third_domain
tb_step conduit-no-channels-left 30 tb_until no_channels
# A unikernel asking for a name no binding serves hears why: unknown is
# -UK_ENOENT, and it removes its request (its reply goes with it).
uk_unknown() {
	xl destroy "$cli" > /dev/null 2>&1
	rm -f "$clilog"
	xl create -q "/testbed/tests/$cli.cfg" 'cmdline="conduit=nope.test"' ||
	    return 1
	tb_until grep -q "conduit: SUCCESS\|conduit: FAILURE" "$clilog"
	cat "$clilog"
	grep -q "stopped after 0 sent, 0 back (-2)" "$clilog"
}
tb_step conduit-uk-unknown-refused 120 uk_unknown

# What was answered, as an operator's metrics show it.
answered() {
	jitsuctl metrics | grep "^jitsud_conduit" | tee /tmp/cm
	grep -q '^jitsud_conduit_answers_total{answer="unknown"} 2$' /tmp/cm &&
	    grep -q '^jitsud_conduit_answers_total{answer="self"} 1$' /tmp/cm &&
	    grep -q '^jitsud_conduit_answers_total{answer="malformed"} 1$' /tmp/cm &&
	    grep -q '^jitsud_conduit_answers_total{answer="ok"} [5-9]$' /tmp/cm &&
	    grep -q '^jitsud_conduit_channels{state="open"} 0$' /tmp/cm
}
tb_step conduit-metrics 10 answered
tb_step conduit-jitsud-alive 5 kill -0 "$jpid"
tb_log "jitsud log" cat /tmp/jitsud.log
tb_log "conduit folder" xenstore-ls -p /jitsu
kill "$jpid"
