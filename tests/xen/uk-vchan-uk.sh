# uk-vchan-uk.sh -- a vchan between two unikernels, no Dom0 in the data path
#
# The tests/vchan.c unikernel twice: the server on PVH (uk-vchan.cfg) and
# the client on PV (uk-vchan-cli-pv.cfg).  Both are created paused, Dom0
# tells each the other's domid (the server's data/peer, the client's
# data/server: a stand-in for jitsud's rendezvous), and both run.  The
# server grants its rings to the client, the client maps them, sends
# 1 MiB and checks the echo; both print SUCCESS and power off.

# uk-vchan-uk-arm64.sh names two arm64 unikernels instead.
srv=${UK_VCHAN_SRV:-uk-vchan}
cli=${UK_VCHAN_CLI:-uk-vchan-cli-pv}

succeeded() {
	_log=/var/log/xen/console/guest-$1.log
	tb_until grep -q "vchan: SUCCESS\|vchan: FAILURE" "$_log"
	cat "$_log"
	grep -q "$2" "$_log" && grep -q "vchan: SUCCESS" "$_log"
}

introduce() {
	_s=$(xl domid "$srv") && _c=$(xl domid "$cli") &&
	    xenstore-write "/local/domain/$_s/data/peer" "$_c" \
		"/local/domain/$_c/data/server" "$_s" &&
	    xl unpause "$srv" && xl unpause "$cli"
}

gone() {
	! xl domid "$srv" > /dev/null 2>&1 && ! xl domid "$cli" > /dev/null 2>&1
}

tb_require uk-vchan-uk-create-server 60 \
    xl create -p -q "/testbed/tests/$srv.cfg"
tb_require uk-vchan-uk-create-client 60 \
    xl create -p -q "/testbed/tests/$cli.cfg"
t0=$(tb_now)
tb_require uk-vchan-uk-introduce 20 introduce
tb_step uk-vchan-uk-client-checked-1mib 120 succeeded "$cli" \
    "1048576 bytes echoed intact"
tb_say "BENCH uk-vchan-uk${UK_VCHAN_ARCH:+-$UK_VCHAN_ARCH} echo_1mib_ms=$(($(tb_now) - t0))"
tb_step uk-vchan-uk-server-echoed-1mib 30 succeeded "$srv" \
    "echoed 1048576 bytes"
tb_step uk-vchan-uk-gone-cleanly 30 tb_until gone
tb_log "console of $srv" cat "/var/log/xen/console/guest-$srv.log"
tb_log "console of $cli" cat "/var/log/xen/console/guest-$cli.log"
