# jitsud-synjitsu.sh -- Synjitsu on real Xen: dig, then curl at once, to a
# cold httpd unikernel.  jitsud answers the query at once, completes the
# handshake and keeps the request while the guest boots, then hands the
# connection over through XenStore; the page arrives on that connection
# and the client never retransmits its SYN.  The same with synjitsu=off
# and an answer at once (max-wait=0) is the control: the client's SYN
# goes unanswered until the guest is up, and is sent again.

mkdir -p /etc/jitsud /var/lib/jitsud
uk="kernel=/testbed/unikernels/httpd.pvh type=pvh memory=8M cpuid=\"host,rdtscp=0\" ready=xenstore ports=80 max-boot=60s idle=0"
{
	printf '$ORIGIN test.\n$TTL 30\n'
	printf '@\tIN\tSOA\tns hostmaster 1 3600 600 86400 30\n'
	printf '@\tIN\tNS\tns\nns\tIN\tA\t10.0.0.1\n'
	printf 'syn\tIN\tUNIKERNEL\t%s ip=10.0.0.41 synjitsu=on\n' "$uk"
	# Slow to listen (its own start-up, 1.5 s after its network): a
	# client that comes after the hand-over finds the claim frozen.
	printf 'slow\tIN\tUNIKERNEL\t%s cmdline="start=1500" ip=10.0.0.45 synjitsu=on\n' \
	    "$uk"
	# Ready when its port answers dom0, not by data/status: jitsud,
	# which then watches no data/status, must still learn that the
	# guest adopted (xlh.c), in less than the 15 s it would wait.
	printf 'tcpr\tIN\tUNIKERNEL\t%s ip=10.0.0.46 synjitsu=on\n' \
	    "$(echo "$uk" | sed 's/ready=xenstore/ready=tcp:80/')"
	# A guest that never asks: its hand-over folder stays while it runs.
	printf 'mute\tIN\tUNIKERNEL\tkernel=/testbed/unikernels/hello.pvh type=pvh memory=4M cpuid="host,rdtscp=0" cmdline="greeting=mute wait" ready=delay:500ms ports=80 ip=10.0.0.44 synjitsu=on idle=0\n'
	# Answered at once too (max-wait=0), but nobody stands in.
	printf 'nosyn\tIN\tUNIKERNEL\t%s ip=10.0.0.42 synjitsu=off max-wait=0\n' \
	    "$uk"
} > /etc/jitsud/test.zone
# shells 0: the client here runs in dom0 and takes a second or more to
# start curl after dig under load; a guest filled from a shell can be
# up by then, and there would be no connection left to hand over (nor a
# SYN to lose in the control).  libxl's slower build keeps the client
# inside the boot; the bench's figure 3 times Synjitsu with shells from
# a client on the host.
printf 'listen on 10.0.0.1\nzone test.zone\nbackend xen\nvif-script vif-jitsu\nshells 0\n' \
    > /etc/jitsud/jitsud.conf
jitsud -d -v -v -f /etc/jitsud/jitsud.conf > /tmp/jitsud.log 2>&1 &
tb_until test -S /run/jitsud/jitsud.sock

. /testbed/tests/synjitsu.inc

r0=$(syn_retrans)
t0=$(tb_now)
tb_step synjitsu-page-on-first-connection 60 dig_then_curl syn 10.0.0.41
tb_say "BENCH uk-synjitsu cold_http_ms=$(($(tb_now) - t0)) $(cat /tmp/syn.times)"
r1=$(syn_retrans)
tb_step synjitsu-connect-at-once 5 fast_connect syn
tb_step synjitsu-no-syn-retransmission 5 test "$r1" -eq "$r0"
tb_step synjitsu-handed-over 10 sh -c \
    'jitsuctl metrics | grep -q "^jitsud_synjitsu_handed_connections_total [1-9]"'
tb_step synjitsu-adopted 10 tb_until sh -c \
    'jitsuctl metrics | grep -q "^jitsud_synjitsu_adopted_connections_total [1-9]"'
# The guest's own folder, so that a domain gone (no domid) cannot pass
# for records removed.
records_cleaned() {
	_d=$(xl domid syn.test) || return 1
	tb_until sh -c "! xenstore-exists /local/domain/$_d/data/synjitsu"
}
tb_step synjitsu-records-cleaned 10 records_cleaned

# The libOS asks for its connections as it boots, not once ready: the
# exchange overlaps its NIC's handshake (synjitsu(7)).  jitsud's summon
# timeline says when each came, in ms after the query.
asked_before_ready() {
	_tl=$(sed -n 's/^.*syn\.test\.: summon timeline[^:]*: //p' \
	    /tmp/jitsud.log | head -n 1)
	echo "$_tl"
	echo "$_tl" | awk '{ for (i = 1; i <= NF; i++) {
		split($i, kv, "="); v[kv[1]] = kv[2] } }
	    END { exit !("handover" in v && "ready" in v &&
		v["handover"] + 0 < v["ready"] + 0) }'
}
tb_step synjitsu-asked-before-ready 5 asked_before_ready

# A client that comes after the hand-over (the guest asked, and takes
# its time to listen): jitsud still answers its ARP, keeps its SYN, and
# passes it to the guest's vif once the guest adopted; the guest's
# stack answers it as its own.
late_client() {
	_ip=$(tb_client dig @10.0.0.1 +time=40 +tries=1 +short slow.test)
	[ "$_ip" = 10.0.0.45 ] || { echo "dig slow: got '$_ip'"; return 1; }
	tb_until grep -q "slow\.test\.: synjitsu: .* handed over" \
	    /tmp/jitsud.log || return 1
	tb_client curl -s --max-time 30 -o /tmp/slow.page "http://$_ip/" &&
	    grep -qi "<html" /tmp/slow.page
}
tb_step synjitsu-client-after-the-hand-over-served 60 late_client
tb_step synjitsu-its-frames-were-kept-and-passed 10 grep -Eq \
    "slow\.test\.: synjitsu: [1-9][0-9]* of [1-9][0-9]* frame\(s\) kept since the hand-over passed to vif[0-9]+\.0" \
    /tmp/jitsud.log

# Readiness by TCP: jitsud learns of the adoption from adopted itself
# (no data/status watched), not from its 15 s wait running out.  The
# client in dom0 is slow to connect after dig (see shells 0 above), so
# its connection is often kept and passed rather than handed over: the
# guest then adopts 0, which jitsud must learn all the same.
tb_step tcp-ready-synjitsu-page 60 dig_then_curl tcpr 10.0.0.46
tb_step tcp-ready-adoption-learned 10 tb_until grep -q \
    "tcpr\.test\.: synjitsu: the guest adopted [0-9]* connection" \
    /tmp/jitsud.log
tb_step tcp-ready-no-adoption-timeout 5 sh -c \
    '! grep -q "tcpr\.test\.: synjitsu: records not adopted" /tmp/jitsud.log'

# The control: without Synjitsu the first SYN meets nobody.
knows_mac nosyn 10.0.0.42
t0=$(tb_now)
tb_step control-page-without-synjitsu 60 curl_then_dig nosyn 10.0.0.42
tb_say "BENCH uk-nosynjitsu cold_http_ms=$(($(tb_now) - t0)) $(cat /tmp/nosyn.times)"
r2=$(syn_retrans)
tb_say "SYN retransmissions: before $r0, after synjitsu $r1, after control $r2"
tb_step control-syn-was-retransmitted 5 test "$r2" -gt "$r1"
# The hand-over folder is dom0's and its guest's alone: another domU
# can neither read nor list it, nor forge a record in it.
deny_test() {
	_d=$(xl domid mute.test) || return 1
	_p=/local/domain/$_d/data/synjitsu
	# It must really be there, or a refusal would prove nothing; the
	# domain exists a moment before jitsud makes the folder (just before
	# the guest first runs).
	tb_until xenstore-exists "$_p"
	xenstore-ls -p "$(dirname "$_p")" | grep synjitsu
	xl create -q /testbed/tests/uk/uk-xenstore.cfg \
	    "extra=\"name=uk-xenstore deny=$_p\"" || return 1
	tb_until sh -c '! xl domid uk-xenstore > /dev/null 2>&1'
	cat /var/log/xen/console/guest-uk-xenstore.log
	grep -q "is out of reach" /var/log/xen/console/guest-uk-xenstore.log &&
	    grep -q "^SUCCESS" /var/log/xen/console/guest-uk-xenstore.log &&
	    xenstore-exists "$_p" && xl domid mute.test > /dev/null
}
mute_summoned() {
	[ "$(tb_client dig @10.0.0.1 +time=40 +tries=1 +short mute.test)" = \
	    10.0.0.44 ] && tb_until xl domid mute.test
}
tb_step mute-summoned 60 mute_summoned
tb_step handover-folder-private 60 deny_test
tb_log "the other domU's view" cat /var/log/xen/console/guest-uk-xenstore.log

# A guest that asks and then never takes its records (dom0 asks in its
# name here): they do not outlive the hand-over.
ask_never_adopt() {
	_p=/local/domain/$(xl domid mute.test)/data/synjitsu
	xenstore-write "$_p/ready" 1
	tb_until xenstore-exists "$_p/count"
	tb_until sh -c "! xenstore-exists $_p"
	grep -q "records not adopted" /tmp/jitsud.log
}
tb_step unadopted-records-removed 40 ask_never_adopt
tb_log "jitsud log (synjitsu)" sh -c 'grep -i synjitsu /tmp/jitsud.log'
tb_log "jitsuctl metrics (synjitsu)" sh -c 'jitsuctl metrics | grep synjitsu'
