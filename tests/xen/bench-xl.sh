# bench-xl.sh -- the stock path, measured: `xl create` of the baseline Linux
# micro-VM until its first HTTP reply, then destroy; BENCH_RUNS times.
# Emits "@@TB BENCH <name> run=<i> <metric>=<ms>..." lines for the host.

runs=5
for arg in $(cat /proc/cmdline); do
	case $arg in
	jitsu.runs=*) runs=${arg#jitsu.runs=} ;;
	esac
done

# Poll every 50 ms: fine enough next to boots of seconds, and it leaves
# dom0's CPUs to the domain builder and the guest.
wait_http() {
	until tb_client curl -sf --max-time 1 -o /dev/null http://10.0.0.10/
	do
		sleep 0.05
	done
}

i=1
while [ "$i" -le "$runs" ]; do
	t0=$(tb_now)
	tb_step "xl-create-$i" 90 xl create -q /testbed/tests/linux.cfg || break
	t1=$(tb_now)
	tb_step "first-http-$i" 60 wait_http || break
	t2=$(tb_now)
	tb_say "BENCH linux-pv-xl run=$i create_ms=$((t1 - t0)) http_ms=$((t2 - t0))"
	tb_step "xl-destroy-$i" 30 xl destroy linux || break
	i=$((i + 1))
done
