# uk-conduit.sh -- conduit(7) between unikernels, with a shell as broker
#
# The broker here is this script: Dom0's part of conduit(7) is played
# with xenstore-write, -chmod and -rm, exactly as the page says, to
# prove the domain side (platform/xen/conduit_xen.c) against the page
# rather than against jitsud, and to make what jitsud never does (an
# offer of a name the server does not serve).  Not in `make check':
# jitsud-conduit runs the same unikernels with jitsud as the broker.
# Run it with `sh tests/check.sh uk-conduit'.
#
#   1. /jitsu/conduit, chan and dom are made anew ('n0').
#   2. The echo unikernel (PVH, jitsu.conduit=echo.test,Spare.Test.)
#      starts and watches its accept folder, which does not exist yet:
#      as jitsud does, the broker makes a domain's mailbox (dom/D, reply,
#      accept: 'n0 rD') when it first has something to put in it, and
#      until then the domain's reads there fail with EACCES.
#   3. The conduit test unikernel (PV, conduit=echo.test) writes its
#      request data/conduit/ID = "connect echo.test"; the broker reads
#      it, makes the channel's path chan/P ('n0 bS rC') and then the
#      offer dom/S/accept/P = "C echo.test chan/P" (the mailbox first
#      if need be).  (Shell tools cannot
#      set permissions inside the write's transaction as jitsud does, so
#      the path is made and chmod'ed before the offer is written: the
#      server still never sees an offer whose path it cannot use.)
#   4. The server publishes ring-ref and event-channel there, owned by
#      it and readable by the client ('nS rC', checked); the broker then
#      writes reply/ID = "ok S chan/P".
#   5. The client sends 1 MiB through the echo and checks it, closes
#      (removes its request); the broker removes path, offer and reply.
#   6. An offer for a name the server does not serve is declined: the
#      server removes its path.
#   7. Three more channels, one after the other, with Dom0 as the client
#      (C = 0, path 'n0 bS', tests/tools/vchanpeer, libxenvchan): the
#      server takes any number of channels over its life.
#   8. xl shutdown: the echo says it served 4 conduits.
#   9. The client again, as a new domain, answered "error unknown": it
#      reports -UK_ENOENT (-2) and removes its request.

XS=/jitsu/conduit
srv=uk-conduit-echo
cli=uk-conduit-cli-pv
srvlog=/var/log/xen/console/guest-$srv.log
clilog=/var/log/xen/console/guest-$cli.log

broker_init() {
	xenstore-rm "$XS" 2> /dev/null
	xenstore-write "$XS" "" "$XS/chan" "" "$XS/dom" "" &&
	    xenstore-chmod "$XS" n0 && xenstore-chmod "$XS/chan" n0 &&
	    xenstore-chmod "$XS/dom" n0
}

# mailbox D: domain D's folder, which only it reads.
mailbox() {
	xenstore-write "$XS/dom/$1" "" "$XS/dom/$1/reply" "" \
	    "$XS/dom/$1/accept" "" || return 1
	for _n in "" /reply /accept; do
		xenstore-chmod "$XS/dom/$1$_n" n0 "r$1" || return 1
	done
}

# perms PATH: the permissions of one node, as xenstore-ls -p prints them.
perms() {
	xenstore-ls -p "$(dirname "$1")" | grep "^$(basename "$1") " |
	    sed 's/.*(\(.*\))$/\1/'
}

# expect_perms PATH WANT
expect_perms() {
	_p=$(perms "$1")
	echo "$1: $_p"
	[ "$_p" = "$2" ]
}

# offer P C S NAME: conduit(7) step 3.
offer() {
	_c=$XS/chan/$1
	if [ "$2" = 0 ]; then
		_perm="n0 b$3"
	else
		_perm="n0 b$3 r$2"
	fi
	xenstore-exists "$XS/dom/$3" || mailbox "$3" || return 1
	# shellcheck disable=SC2086 # the permissions are words
	xenstore-write "$_c" "" && xenstore-chmod "$_c" $_perm &&
	    xenstore-write "$XS/dom/$3/accept/$1" "$2 $4 $_c" &&
	    xenstore-chmod "$XS/dom/$3/accept/$1" n0 "r$3"
}

published() {
	xenstore-read "$XS/chan/$1/ring-ref" &&
	    xenstore-read "$XS/chan/$1/event-channel"
}

# chan_checked P C S: the path and the server's keys as conduit(7) says.
chan_checked() {
	if [ "$2" = 0 ]; then
		expect_perms "$XS/chan/$1" "n0,b$3" || return 1
		_k="n$3,r0"
	else
		expect_perms "$XS/chan/$1" "n0,b$3,r$2" || return 1
		_k="n$3,r$2"
	fi
	expect_perms "$XS/chan/$1/ring-ref" "$_k" &&
	    expect_perms "$XS/chan/$1/event-channel" "$_k" &&
	    expect_perms "$XS/dom/$3/accept/$1" "n0,r$3" &&
	    expect_perms "$XS/dom/$3/accept" "n0,r$3" &&
	    expect_perms "$XS/dom/$3" "n0,r$3"
}

listens() {
	xl unpause "$srv" &&
	    tb_until grep -q "serving conduit echo.test" "$srvlog"
}

ids() {
	xenstore-list "/local/domain/$C/data/conduit"
}

# The client's one request, checked.
request() {
	ID=$(ids) && [ -n "$ID" ] || return 1
	_v=$(xenstore-read "/local/domain/$C/data/conduit/$ID")
	echo "request $ID: $_v"
	[ "$_v" = "connect echo.test" ]
}

reply_ok() {
	mailbox "$C" && expect_perms "$XS/dom/$C" "n0,r$C" &&
	    expect_perms "$XS/dom/$C/reply" "n0,r$C" || return 1
	xenstore-write "$XS/dom/$C/reply/$ID" "ok $S $XS/chan/1" &&
	    xenstore-chmod "$XS/dom/$C/reply/$ID" n0 "r$C" &&
	    expect_perms "$XS/dom/$C/reply/$ID" "n0,r$C"
}

request_gone() {
	! xenstore-read "/local/domain/$C/data/conduit/$ID"
}

# end P S [C ID]: jitsud's part when the client ends.  The server may
# have removed the path first (it closes on the client's end of stream),
# so that goes on its own; offer and reply in one transaction.
end_chan() {
	xenstore-rm "$XS/chan/$1" 2> /dev/null
	if [ -n "$4" ]; then
		xenstore-rm "$XS/dom/$2/accept/$1" "$XS/dom/$3/reply/$4"
	else
		xenstore-rm "$XS/dom/$2/accept/$1"
	fi
}

client_done() {
	tb_until grep -q "conduit: SUCCESS\|conduit: FAILURE" "$clilog"
	cat "$clilog"
	grep -q "1048576 bytes echoed intact" "$clilog" &&
	    grep -q "conduit: SUCCESS" "$clilog"
}

path_gone() {
	! xenstore-read "$XS/chan/$1"
}

dom0_client() {
	vchanpeer client "$S" "$XS/chan/$1" 1048576
}

published_or_declined() {
	published "$1" || path_gone "$1"
}

# dom0_channel P: a whole channel with Dom0 as the client.
dom0_channel() {
	offer "$1" 0 "$S" echo.test || return 1
	tb_until published_or_declined "$1"
	if ! published "$1"; then
		echo "channel $1: the server declined (removed the path)"
		end_chan "$1" "$S"
		return 1
	fi
	chan_checked "$1" 0 "$S" && dom0_client "$1" &&
	    end_chan "$1" "$S"
}

served() {
	tb_until grep -q "conduits served" "$srvlog"
	# The console's lines end in CR LF.
	_l=$(grep "conduits served" "$srvlog" | tr -d '\r')
	echo "$_l"
	[ "${_l##*conduits served }" = 4 ]
}

# The client again, refused: conduit(7)'s error reaches the app.
refused_client() {
	xl create -q "/testbed/tests/$cli.cfg" || return 1
	C=$(xl domid "$cli") || return 1
	tb_until request
	ID=$(ids)
	mailbox "$C" &&
	    xenstore-write "$XS/dom/$C/reply/$ID" "error unknown" || return 1
	tb_until grep -q "conduit: FAILURE" "$clilog"
	cat "$clilog"
	# It exits 1, a crash that on_crash preserves: destroy it.
	grep -q "stopped after 0 sent, 0 back (-2)" "$clilog" &&
	    tb_until request_gone && xenstore-rm "$XS/dom/$C" &&
	    xl destroy "$cli"
}

gone() {
	! xl domid "$srv" > /dev/null 2>&1 && ! xl domid "$cli" > /dev/null 2>&1
}

tb_require uk-conduit-broker-init 20 broker_init
tb_require uk-conduit-create-server 60 xl create -p -q "/testbed/tests/$srv.cfg"
tb_require uk-conduit-create-client 60 xl create -p -q "/testbed/tests/$cli.cfg"
S=$(xl domid "$srv")
C=$(xl domid "$cli")
tb_require uk-conduit-server-listens 30 listens
t0=$(tb_now)
tb_require uk-conduit-unpause-client 20 xl unpause "$cli"
tb_require uk-conduit-request-read 30 tb_until request
ID=$(ids)
tb_require uk-conduit-offer 20 offer 1 "$C" "$S" echo.test
tb_require uk-conduit-ring-published 20 tb_until published 1
tb_step uk-conduit-permissions 10 chan_checked 1 "$C" "$S"
tb_log "permissions" cat "$TB_TMP/step.out"
tb_require uk-conduit-reply-ok 10 reply_ok
tb_step uk-conduit-client-1mib-intact 120 client_done
tb_say "BENCH uk-conduit echo_1mib_ms=$(($(tb_now) - t0))"
tb_step uk-conduit-client-removes-request 30 tb_until request_gone
tb_step uk-conduit-broker-ends 10 end_chan 1 "$S" "$C" "$ID"
tb_require uk-conduit-offer-other-name 10 offer 2 0 "$S" nobody.test
tb_step uk-conduit-other-name-declined 20 tb_until path_gone 2
tb_step uk-conduit-broker-ends-declined 10 end_chan 2 "$S"
for p in 3 4 5; do
	tb_step "uk-conduit-dom0-channel-$p" 120 dom0_channel "$p"
	tb_log "channel $p" cat "$TB_TMP/step.out"
done
tb_step uk-conduit-shutdown 20 xl shutdown "$srv"
tb_step uk-conduit-served-4 30 served
tb_step uk-conduit-gone-cleanly 30 tb_until gone
rm -f "$clilog"
tb_step uk-conduit-refusal-reaches-client 60 refused_client
tb_log "XenStore /jitsu" xenstore-ls -p /jitsu
tb_log "console of $srv" cat "$srvlog"
tb_log "console of $cli" cat "$clilog"
