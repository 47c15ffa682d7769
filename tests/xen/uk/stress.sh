# stress.sh -- boot the XenStore and time unikernels many times in a row
#
# Run from the repo top:
#   TESTBED_OUT=build/testbed-uk scripts/testbed/run.sh uk/stress
# A guest fault that shows once in several selftests runs (a triple fault
# inside SCHEDOP_poll was seen) needs many boots to show up.  Each round
# creates uk-xenstore (many event-channel wake-ups from xenstored) and
# uk-time (timer wake-ups), waits for SUCCESS and for the clean poweroff.
# A round fails as soon as the domain stops running without a verdict
# (crash or triple fault: the configs preserve such domains), so a fault
# costs seconds, not the whole timeout.  Every failed round is reported
# with the guest's console and Xen's log, and the run goes on: the
# summary says how many of how many rounds failed.

UK_ROUNDS=20
UK_LOGDIR=/var/log/xen/console

# st_state NAME: the domain's state letters from xl list ("r-----"...).
st_state() {
	xl list "$1" 2>/dev/null | awk -v n="$1" '$1 == n { print $5 }'
}

# st_boot NAME: create, then wait for SUCCESS (0), FAILURE or a domain
# that shut down or crashed without a verdict (1).
st_boot() {
	rm -f "$UK_LOGDIR/guest-$1.log"
	xl create -q "/testbed/tests/uk/$1.cfg" || return 1
	while :; do
		# State first: a domain that printed SUCCESS and powered off
		# between the two looks must still count as a success.
		_st=$(st_state "$1")
		grep -q FAILURE "$UK_LOGDIR/guest-$1.log" 2>/dev/null && return 1
		grep -q SUCCESS "$UK_LOGDIR/guest-$1.log" 2>/dev/null && return 0
		case $_st in
		""|*s*|*c*)
			echo "domain $1 stopped without a verdict: '$_st'"
			return 1
			;;
		esac
		sleep 0.05
	done
}

st_gone() {
	! xl domid "$1" > /dev/null 2>&1
}

# st_round I NAME: one boot with its checks; 0 if all passed.
st_round() {
	if ! tb_step "round$1-$2-verdict" 30 st_boot "$2"; then
		tb_log "console $2 (round $1)" cat "$UK_LOGDIR/guest-$2.log"
		tb_log "xl dmesg (tail) round $1" sh -c 'xl dmesg | tail -n 30'
		xl destroy "$2" 2>/dev/null
		return 1
	fi
	tb_step "round$1-$2-poweroff" 10 tb_until st_gone "$2" && return 0
	xl destroy "$2" 2>/dev/null
	return 1
}

st_failed=0
st_i=1
while [ "$st_i" -le "$UK_ROUNDS" ]; do
	for st_name in uk-xenstore uk-time; do
		st_round "$st_i" "$st_name" || st_failed=$((st_failed + 1))
	done
	st_i=$((st_i + 1))
done
tb_say "INFO stress: $st_failed failed boots of $((UK_ROUNDS * 2))"
