# uk-httpd.sh -- our own httpd unikernel on Xen (PVH, 4 MiB), booted with
# xl: ping, its page and a 1 MiB file intact from the client namespace,
# then a clean `xl shutdown`.  The create -> first HTTP byte time is
# recorded next to the Linux baseline's (BENCH lines).  uk-httpd-pv.sh
# runs it on the PV binding (UK_BIND=pv: httpd.pv, domain uk-httpd-pv).

UK_BIND=${UK_BIND:-pvh}
dom=uk-httpd
[ "$UK_BIND" = pvh ] || dom=uk-httpd-$UK_BIND

. /testbed/tests/httpd.inc

first_http() {
	until tb_client curl -sf --max-time 1 -o /dev/null http://10.0.0.30/
	do
		sleep 0.02
	done
}

pings() {
	tb_client ping -c 3 -W 2 10.0.0.30
}

gone() {
	! xl domid "$dom" > /dev/null 2>&1
}

t0=$(tb_now)
tb_require uk-create 60 xl create -q "/testbed/tests/$dom.cfg"
tb_require uk-first-http 60 first_http
tb_say "BENCH uk-httpd-$UK_BIND create_to_http_ms=$(($(tb_now) - t0))"
# One event channel per ring, as Linux guests use (netfront.c says why).
split_channels() {
	_fe=/local/domain/$(xl domid "$dom")/device/vif/0
	xenstore-read "$_fe/event-channel-tx" "$_fe/event-channel-rx" &&
	    ! xenstore-read "$_fe/event-channel" 2> /dev/null
}
tb_step uk-split-event-channels 10 split_channels
# Its boot waits for six XenStore round trips up to its NIC: the
# hand-over folder looked for (xl puts no jitsu.synjitsu on the command
# line: a summon by jitsud spares this one), the vif's keys in one, the
# backend's state with its split-channel feature in one (the watch
# posted), our keys in one, the state once Connected, and, while netback
# connects, control/shutdown read as its watch first fires (a request
# made before we ran).  Shutdown's feature writes, both watches and the
# closing unwatch are posted (xenstore.c), sysrq's first firing reads
# nothing.  Each round trip more is milliseconds of every boot.
boot_round_trips() {
	_l=$(grep "^netfront: connected in" \
	    "/var/log/xen/console/guest-$dom.log") || return 1
	echo "$_l"
	_n=$(echo "$_l" |
	    sed -n 's/.*; \([0-9]*\) round trips waited since boot.*/\1/p')
	[ -n "$_n" ] && [ "$_n" -le 6 ]
}
tb_step uk-boot-round-trips 10 tb_until boot_round_trips
tb_step uk-ping 20 pings
tb_step uk-page 20 httpd_page 10.0.0.30
tb_step uk-1mib-intact 60 httpd_big_intact 10.0.0.30
# Asked with `xl sysrq', it says what state it is in on its console.
sysrq_state() {
	xl sysrq "$dom" n &&
	    tb_until grep -q "^netfront: rx req_prod" \
		"/var/log/xen/console/guest-$dom.log"
}
tb_step uk-sysrq-state 20 sysrq_state
tb_step uk-xl-shutdown 30 xl shutdown -w "$dom"
tb_step uk-gone-cleanly 10 tb_until gone
tb_log "$dom console" cat "/var/log/xen/console/guest-$dom.log"
