# jitsud-xl.sh -- jitsud summons a real domain through libxl: a DNS query
# from the client namespace boots the baseline Linux guest, the reply
# comes once it serves HTTP, other names are answered meanwhile, stop and
# re-summon work, and a jitsud killed with -9 adopts the running domain
# and can stop it.

. /testbed/tests/jitsud.inc

# While the guest builds, other names must be answered at once: one
# long-lived client (qlat) asks for ns.test every 100 ms and records each
# round trip until the summon is over.
others_verdict() {
	tb_until test -f /tmp/others.rc
	tail -n 1 /tmp/others.out
	[ "$(cat /tmp/others.rc)" = 0 ] || return 1
	# No query lost, none slower than 1 s even under TCG; no summary
	# line at all is a failure too.
	awk -F'max_us=' '/^queries=/ { split($2, a, " "); ok = a[1] < 1000000 }
	    END { exit !ok }' /tmp/others.out
}

summon_and_mark() {
	summon
	_rc=$?
	touch /tmp/summon.done
	return $_rc
}

state_is() {
	jitsuctl list | grep -q "^linux.test. $1 "
}

domain_gone() {
	! xl domid linux.test > /dev/null 2>&1
}

tb_require jitsud-check 10 jitsud -n -f /etc/jitsud/jitsud.conf
tb_require jitsud-start 20 start_jitsud
tb_step list-stopped 10 state_is stopped
rm -f /tmp/summon.done /tmp/others.ms /tmp/others.rc
( tb_client qlat 10.0.0.1 53 ns.test /tmp/summon.done > /tmp/others.out 2>&1
  echo $? > /tmp/others.rc ) &
tb_require dns-summons-domain 120 summon_and_mark
tb_step others-answered-meanwhile 10 others_verdict
tb_log "ns.test round trips during the summon (us)" cat /tmp/others.out
tb_step http-get 30 tb_until page
tb_step list-ready 10 state_is ready
# The summon's timeline through libxl: the builder's phases (build,
# created, unpaused, devices: the vif's backend Connected in XenStore)
# and ready, ms after the query.  synjitsu=off: no hand-over phases.
timeline_shown() {
	_s=$(jitsuctl show linux.test.) || return 1
	echo "$_s" | grep '^phase '
	for _p in query build created unpaused devices ready; do
		echo "$_s" | grep -q "^phase $_p [0-9]* ms$" || return 1
	done
	! echo "$_s" | grep -q '^phase handover '
}
tb_step show-timeline 10 timeline_shown
tb_step log-timeline 10 grep -q 'linux.test.: summon timeline (ms after the query): query=0 build=' /tmp/jitsud.log
tb_step metrics-phase-created 10 sh -c 'jitsuctl metrics | grep -q "^jitsud_summon_phase_seconds_count{phase=\"created\"} 1$"'
tb_step jitsuctl-stop 10 jitsuctl stop linux.test.
tb_step domain-destroyed 30 tb_until domain_gone
tb_step resummon-after-stop 120 summon
tb_step http-again 30 tb_until page
domid=$(xl domid linux.test)
tb_step kill-9-jitsud 10 kill -9 "$(cat /tmp/jitsud.pid)"
tb_step restart-jitsud 20 start_jitsud
tb_step adopted-ready 20 tb_until state_is ready
# The domain id from before the kill must be known, or "the same" proves
# nothing.
same_domain() {
	_now=$(xl domid linux.test) || return 1
	echo "before $domid, now $_now"
	[ -n "$domid" ] && [ "$_now" = "$domid" ]
}
tb_step same-domain-kept 10 same_domain
tb_step answered-at-once 5 summon
tb_step metrics 10 sh -c 'jitsuctl metrics | grep -q "^jitsud_vms{state=\"ready\"} 1"'
# The adopted domain must be jitsud's to stop: an attach that lost its
# domid once watched (and would have destroyed) domain 0 instead.
tb_step adopted-stop 10 jitsuctl stop linux.test.
tb_step adopted-domain-destroyed 30 tb_until domain_gone
# jitsud must still be there to be terminated: a kill that finds nothing
# is a failure, not a quick pass.
jitsud_term() {
	_p=$(cat /tmp/jitsud.pid)
	kill "$_p" || return 1
	while kill -0 "$_p" 2>/dev/null; do
		sleep 0.1
	done
}
tb_step jitsud-term 20 jitsud_term
tb_log "every summon's timeline (jitsud's log)" grep "summon timeline" /tmp/jitsud.log
xl destroy linux.test 2>/dev/null
