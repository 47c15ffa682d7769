#!/bin/sh
# guest.sh -- a stand-in unikernel for tests/system/proc.sh: what the
# process backend runs as kernel=, told its role by the cmdline words.
#   serve DIR    serve DIR on port 8080, then say ready on $JITSU_READY_FD
#   late DIR     wait 0.5 s, then serve DIR; never says ready (ready=tcp)
#   exit N       say ready, then exit with status N after 1 s (long
#                enough for proc.sh's driver, which polls states, to see
#                it ready on a loaded host)
echo "guest: $JITSU_NAME ip=$JITSU_IP mac=$JITSU_MAC gw=$JITSU_GW args=$*"

# The socket is bound when port 8080 (1F90) is LISTEN (0A) in this netns,
# over IPv4 or IPv6 (busybox httpd takes :: when it can).
listening() {
	grep -qs ':1F90 0*:0000 0A' /proc/net/tcp /proc/net/tcp6
}

serve() {
	busybox httpd -f -p 8080 -h "$1" &
	while ! listening; do sleep 0.01; done
}

case $1 in
serve)	serve "$2"
	echo ready >&"$JITSU_READY_FD" ;;
late)	sleep 0.5
	serve "$2" ;;
exit)	echo ready >&"$JITSU_READY_FD"
	sleep 1
	exit "$2" ;;
*)	echo "guest: unknown role $1" >&2
	exit 2 ;;
esac
wait
