# jitsud-arm64.sh -- jitsud on Xen on ARM (arm64), after make ARCH=arm64:
#   TESTBED_ARCH=arm64 scripts/testbed/run.sh jitsud-arm64
# libxl builds every guest there (no shells): (1) a DNS query summons
# the httpd unikernel (httpd.arm64, 4 MiB); the answer is its address,
# once it is ready; it serves its page and 1 MiB intact.  (2) Left idle
# it is asked to shut down and goes; the next query boots it again and
# it serves.  (3) Synjitsu: dig then curl at once to a cold httpd; the
# page comes on the connection jitsud handed over and the client never
# sent its SYN again.  The control (Synjitsu off, answered at once):
# the client's first SYN is lost and sent again.  The keys only x86 Xen
# has are refused at load, with file and line.

. /testbed/tests/httpd.inc
. /testbed/tests/synjitsu.inc

mkdir -p /etc/jitsud /var/lib/jitsud
uk="kernel=/testbed/unikernels/httpd.arm64 type=pvh memory=4M ready=xenstore max-boot=60s"
{
	printf '$ORIGIN test.\n$TTL 30\n'
	printf '@\tIN\tSOA\tns hostmaster 1 3600 600 86400 30\n'
	printf '@\tIN\tNS\tns\nns\tIN\tA\t10.0.0.1\n'
	# The reply waits for the guest; stopped after 8 s of nothing.
	printf 'www\tIN\tUNIKERNEL\t%s ip=10.0.0.30 max-wait=30s idle=8s stop=shutdown synjitsu=off\n' "$uk"
	printf 'syn\tIN\tUNIKERNEL\t%s ip=10.0.0.41 ports=80 idle=0 synjitsu=on\n' "$uk"
	# Answered at once too (max-wait=0), but nobody stands in.
	printf 'nosyn\tIN\tUNIKERNEL\t%s ip=10.0.0.42 max-wait=0 idle=0 synjitsu=off\n' "$uk"
} > /etc/jitsud/test.zone
# No shells line: on ARM the default is none, and libxl builds each guest.
printf 'listen on 10.0.0.1\nzone test.zone\nbackend xen\nvif-script vif-jitsu\n' \
    > /etc/jitsud/jitsud.conf

# What only x86 Xen has, each refused with its file and line.
x86_only_refused() {
	_z=/tmp/x86.zone
	{
		printf '$ORIGIN x.\n$TTL 30\n@\tIN\tSOA\tns h 1 3600 600 86400 30\n'
		printf '@\tIN\tNS\tns\nns\tIN\tA\t10.0.0.1\n'
		printf 'a\tIN\tUNIKERNEL\tkernel=/testbed/unikernels/httpd.arm64 ip=10.0.0.50 type=pv\n'
		printf 'b\tIN\tUNIKERNEL\tkernel=/testbed/unikernels/httpd.arm64 ip=10.0.0.51 cpuid="host"\n'
		printf 'c\tIN\tUNIKERNEL\tkernel=/testbed/unikernels/httpd.arm64 ip=10.0.0.52 stop=suspend\n'
	} > $_z
	printf 'zone %s\nbackend xen\nshells 1\n' $_z > /tmp/x86.conf
	! jitsud -n -f /tmp/x86.conf > /tmp/x86.out 2>&1
	cat /tmp/x86.out
	grep -q '^/tmp/x86.conf:3: shells: ' /tmp/x86.out &&
	    grep -q "^$_z:6: .*type: pv is x86 only" /tmp/x86.out &&
	    grep -q "^$_z:7: .*cpuid: x86 only" /tmp/x86.out &&
	    grep -q "^$_z:8: .*stop: suspend is x86 only" /tmp/x86.out
}

start_jitsud() {
	jitsud -d -v -v -f /etc/jitsud/jitsud.conf > /tmp/jitsud.log 2>&1 &
	tb_until test -S /run/jitsud/jitsud.sock
}

# summon NAME IP: the query's answer is the guest's address.
summon() {
	[ "$(tb_client dig @10.0.0.1 +time=40 +tries=1 +short "$1.test")" = \
	    "$2" ]
}

# serves IP: its page within a few tries (the first may meet an ARP miss).
serves() {
	tb_until httpd_page "$1"
	httpd_page "$1"
}

state_is() {
	jitsuctl list | grep -q "^$1.test. $2 "
}

gone() {
	! xl domid "$1.test" > /dev/null 2>&1
}

# The idle stop was a shutdown the guest honoured, and counted.
idle_stopped() {
	tb_until gone www
	grep "www.test.: stopping" /tmp/jitsud.log
	grep -q "www.test.: stopping (idle)" /tmp/jitsud.log &&
	    grep -q "uk: shutdown requested: poweroff" \
		/var/log/xen/console/guest-www.test.log &&
	    jitsuctl metrics | grep -q "^jitsud_idle_stops_total 1$" &&
	    tb_until state_is www stopped
}

tb_step x86-only-keys-refused 20 x86_only_refused
tb_require jitsud-check 20 jitsud -n -f /etc/jitsud/jitsud.conf
tb_require jitsud-start 30 start_jitsud

# (1) The summon.
t0=$(tb_now)
tb_require dns-summons-httpd 60 summon www 10.0.0.30
tb_say "BENCH arm64-jitsud-summon query_to_answer_ms=$(($(tb_now) - t0))"
tb_step httpd-page 20 serves 10.0.0.30
tb_say "BENCH arm64-jitsud-summon query_to_page_ms=$(($(tb_now) - t0))"
tb_step httpd-1mib-intact 60 httpd_big_intact 10.0.0.30
tb_step list-ready 10 state_is www ready
tb_log "jitsuctl show www.test." jitsuctl show www.test.

# (2) Idle stop, then a summon again.
tb_step idle-stop-by-shutdown 40 idle_stopped
t0=$(tb_now)
tb_step dns-summons-again 60 summon www 10.0.0.30
tb_say "BENCH arm64-jitsud-resummon query_to_answer_ms=$(($(tb_now) - t0))"
tb_step httpd-page-again 20 serves 10.0.0.30
tb_log "console of www.test" cat /var/log/xen/console/guest-www.test.log

# (3) Synjitsu, and its control.
r0=$(syn_retrans)
t0=$(tb_now)
tb_step synjitsu-page-on-first-connection 60 dig_then_curl syn 10.0.0.41
tb_say "BENCH arm64-synjitsu cold_http_ms=$(($(tb_now) - t0)) $(cat /tmp/syn.times)"
r1=$(syn_retrans)
tb_step synjitsu-connect-at-once 5 fast_connect syn
tb_step synjitsu-no-syn-retransmission 5 test "$r1" -eq "$r0"
tb_step synjitsu-handed-over 10 sh -c \
    'jitsuctl metrics | grep -q "^jitsud_synjitsu_handed_connections_total [1-9]"'
tb_step synjitsu-adopted 10 tb_until sh -c \
    'jitsuctl metrics | grep -q "^jitsud_synjitsu_adopted_connections_total [1-9]"'
knows_mac nosyn 10.0.0.42
t0=$(tb_now)
tb_step control-page-without-synjitsu 60 curl_then_dig nosyn 10.0.0.42
tb_say "BENCH arm64-nosynjitsu cold_http_ms=$(($(tb_now) - t0)) $(cat /tmp/nosyn.times)"
r2=$(syn_retrans)
tb_say "SYN retransmissions: before $r0, after synjitsu $r1, after control $r2"
tb_step control-syn-was-retransmitted 5 test "$r2" -gt "$r1"
tb_log "every summon's timeline" grep "summon timeline" /tmp/jitsud.log
tb_log "jitsud log (synjitsu)" sh -c 'grep -i synjitsu /tmp/jitsud.log'
tb_log "jitsuctl list" jitsuctl list
