# bench.sh -- `make bench` in one nested boot, so the numbers compare: the
# stock path (xl create) and jitsud's summon of the same guest, then DNS
# latency idle and during builds; then the same for our httpd unikernel;
# then its first-connection latency with and without Synjitsu.
. /testbed/tests/bench-xl.inc
. /testbed/tests/bench-jitsud.inc
. /testbed/tests/bench-uk.inc
. /testbed/tests/bench-synjitsu.inc
