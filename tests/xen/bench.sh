# testbed: hostnet
# bench.sh -- `make bench` in one nested boot, so the numbers compare.
# The pieces, chosen with jitsu.bench= on dom0's command line (the host
# passes BENCH_ONLY; default fig1,fig2,fig3,conduit), runs per point with
# jitsu.runs= (BENCH_RUNS):
#   fig1   the httpd unikernel's boot per optimisation step and memory
#   fig2   N guests at once, jitsud against N parallel xl create, and a
#          live name's DNS round trip during eight builds
#   fig3   first-connection latency: Synjitsu, held, lost SYN, warm,
#          seen by a client on the host (the hostnet line above)
#   conduit  issue 12: conduit against TCP over netfront between the same
#          two unikernels (cold time to first byte, round trips, 1 MiB
#          and 64 MiB echoed)
#   linux  the Linux PV baseline guest under xl and jitsud (not in the
#          default set: slow, and no figure needs it)
# Each piece records its failed runs and goes on (bench-lib.inc).
. /testbed/tests/bench-lib.inc
bench_wanted fig1 && . /testbed/tests/bench-fig1.inc
bench_wanted fig2 && . /testbed/tests/bench-fig2.inc
bench_wanted fig3 && . /testbed/tests/bench-synjitsu.inc
bench_wanted conduit && . /testbed/tests/bench-conduit.inc
if bench_wanted linux; then
	# jitsud.inc again: its zone and configuration, for linux.test.
	. /testbed/tests/jitsud.inc
	. /testbed/tests/bench-xl.inc
	. /testbed/tests/bench-jitsud.inc
	stop_jitsud
fi
# jitsud's XenStore transactions that conflicted and were run again (a
# debug line each, store.c), over every jitsud of this run.
tb_say "BENCH xenstore-conflicts retried=$(grep -c 'xenstore transaction of .* conflicted' /tmp/jitsud.log 2>/dev/null)"
# Which: the first path of each, its domain number made D.
sed -n 's/.*xenstore transaction of .* conflicted (try .*): //p' \
    /tmp/jitsud.log 2>/dev/null | sed 's/[0-9][0-9]*/D/g' | sort | uniq -c |
    while read -r _n _p; do
	tb_say "BENCH xenstore-conflict first_path=$_p n=$_n"
done
tb_say "BENCH done pieces=$bench_only"
