# bench-host.sh -- `make bench-host`: the first-connection latency of the
# httpd unikernel (Synjitsu, held, lost SYN, warm) from a client outside
# the emulated machine (bench-host.inc); scripts/bench/host.sh sums it up.
# testbed: hostnet
. /testbed/tests/bench-host.inc
