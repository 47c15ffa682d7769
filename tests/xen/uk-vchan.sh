# uk-vchan.sh -- the libOS's vchan server against stock libxenvchan in Dom0
#
# The tests/vchan.c unikernel (PVH, 4 MiB) offers a vchan to Dom0 at its
# data/vchan; build/tools/vchanpeer client (libxenvchan, src/vchan.c) connects
# there, sends 1 MiB and checks every byte the unikernel echoes; on its
# close the unikernel prints SUCCESS and powers off.  Before that, the
# keys are checked: ring-ref and event-channel owned by the guest,
# readable by Dom0 only (what libxenvchan's server writes).
# uk-vchan-pv.sh runs the same on the PV binding (UK_BIND=pv).

UK_BIND=${UK_BIND:-pvh}
dom=uk-vchan
[ "$UK_BIND" = pvh ] || dom=uk-vchan-$UK_BIND
log=/var/log/xen/console/guest-$dom.log

serving() {
	grep -q "vchan: serving at data/vchan" "$log"
}

keys_private() {
	_id=$(xl domid "$dom") || return 1
	for _k in ring-ref event-channel; do
		_p=$(xenstore-ls -p "/local/domain/$_id/data/vchan" |
		    grep "^$_k " | sed 's/.*(\(.*\))$/\1/')
		echo "$_k: $_p"
		[ "$_p" = "n$_id,r0" ] || return 1
	done
}

echo_mib() {
	vchanpeer client "$(xl domid "$dom")" \
	    "/local/domain/$(xl domid "$dom")/data/vchan" 1048576
}

verdict() {
	tb_until grep -q "vchan: SUCCESS\|vchan: FAILURE" "$log"
	cat "$log"
	grep -q "vchan: echoed 1048576 bytes" "$log" &&
	    grep -q "vchan: SUCCESS" "$log"
}

gone() {
	! xl domid "$dom" > /dev/null 2>&1
}

tb_require uk-vchan-create 60 xl create -q "/testbed/tests/$dom.cfg"
tb_require uk-vchan-serving 30 tb_until serving
tb_step uk-vchan-keys-private 10 keys_private
tb_log "keys of $dom" cat "$TB_TMP/step.out"
t0=$(tb_now)
tb_step uk-vchan-echo-1mib 120 echo_mib
tb_say "BENCH uk-vchan-$UK_BIND echo_1mib_ms=$(($(tb_now) - t0))"
tb_log "vchanpeer" cat "$TB_TMP/step.out"
tb_step uk-vchan-success 30 verdict
tb_step uk-vchan-gone-cleanly 30 tb_until gone
tb_log "console of $dom" cat "$log"
