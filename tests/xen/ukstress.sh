# ukstress.sh -- not part of `make check`: our httpd unikernel booted
# with plain xl again and again (PVH and PV in turn, 4 MiB, vif-jitsu),
# each until its first HTTP reply, to catch a guest that says it serves
# but answers nothing.  Each failure is counted and leaves the whole
# picture (tb_dump_logs: consoles, netback's rings, Xen's event
# channels) before the guest goes.  Runs: jitsu.stress=N on dom0's
# command line (TESTBED_ARGS), default 40.
#   TESTBED_ARGS=jitsu.stress=100 scripts/testbed/run.sh ukstress

n=40
for arg in $(cat /proc/cmdline); do
	case $arg in
	jitsu.stress=*) n=${arg#jitsu.stress=} ;;
	esac
done

first_http() {
	until tb_client curl -sf --max-time 1 -o /dev/null http://10.0.0.30/
	do
		sleep 0.02
	done
}

gone() {
	! xl domid "$1" > /dev/null 2>&1
}

failed=0
i=1
while [ "$i" -le "$n" ]; do
	if [ $((i % 2)) = 0 ]; then dom=uk-httpd-pv; else dom=uk-httpd; fi
	rm -f "/var/log/xen/console/guest-$dom.log"
	tb_client ip neigh flush dev eth0 > /dev/null 2>&1
	tb_step "stress-$i-create" 60 xl create -q "/testbed/tests/$dom.cfg"
	if ! tb_step "stress-$i-http" 30 first_http; then
		failed=$((failed + 1))
		tb_say "STRESS run=$i domain=$dom failed=1"
		tb_log "client neighbours" tb_client ip neigh
		tb_dump_logs
	fi
	xl destroy "$dom" > /dev/null 2>&1
	tb_step "stress-$i-gone" 30 tb_until gone "$dom"
	i=$((i + 1))
done
tb_say "STRESS runs=$n failed=$failed"
