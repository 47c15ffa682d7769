# uk-vchan-client.sh -- the libOS's vchan client against stock libxenvchan
#
# Dom0 serves two vchans to the tests/vchan.c unikernel (role=client,
# PVH, 4 MiB) with build/tools/vchanpeer server, a libxenvchan server (src/vchan.c)
# that echoes: data/srv0 with rings inside the shared page (1024 and 2048
# bytes), data/srv1 with 64 KiB rings in granted pages of their own.  The
# unikernel maps each, sends 1 MiB through it and checks every byte of
# the echo, closes, and prints SUCCESS; each server sees the close and
# exits 0.  uk-vchan-client-pv.sh runs the same on the PV binding.

UK_BIND=${UK_BIND:-pvh}
dom=uk-vchan-cli
[ "$UK_BIND" = pvh ] || dom=uk-vchan-cli-$UK_BIND
log=/var/log/xen/console/guest-$dom.log

# serve N READ_MIN WRITE_MIN: a server in the background; its exit
# status lands in /tmp/srvN.rc.
serve() {
	_d=$(xl domid "$dom")
	( vchanpeer server "$_d" "/local/domain/$_d/data/srv$1" "$2" "$3"
	  echo $? > "/tmp/srv$1.rc" ) > "/tmp/srv$1.out" 2>&1 &
}

served() {
	tb_until [ -s "/tmp/srv$1.rc" ]
	cat "/tmp/srv$1.out"
	[ "$(cat "/tmp/srv$1.rc")" = 0 ] &&
	    grep -q "^served bytes=1048576$" "/tmp/srv$1.out"
}

verdict() {
	tb_until grep -q "vchan: SUCCESS\|vchan: FAILURE" "$log"
	grep -q "data/srv0: 1048576 bytes echoed intact" "$log" &&
	    grep -q "data/srv1: 1048576 bytes echoed intact" "$log" &&
	    grep -q "vchan: SUCCESS" "$log"
}

gone() {
	! xl domid "$dom" > /dev/null 2>&1
}

rm -f /tmp/srv0.rc /tmp/srv1.rc
tb_require uk-vchan-cli-create 60 xl create -q "/testbed/tests/$dom.cfg"
t0=$(tb_now)
serve 0 1024 2048
serve 1 65536 65536
tb_step uk-vchan-cli-in-page-rings 120 served 0
tb_log "server 0" cat /tmp/srv0.out
tb_step uk-vchan-cli-granted-rings 120 served 1
tb_log "server 1" cat /tmp/srv1.out
tb_say "BENCH uk-vchan-cli-$UK_BIND two_1mib_echoes_ms=$(($(tb_now) - t0))"
tb_step uk-vchan-cli-success 30 verdict
tb_step uk-vchan-cli-gone-cleanly 30 tb_until gone
tb_log "console of $dom" cat "$log"
