# hostnet.sh -- a client outside the emulated machine.  From the host's
# namespace (scripts/testbed/hostnet.sh), dig asks jitsud in dom0 for a
# unikernel's name and curl gets the summoned httpd's page; then a client
# that resolves and connects by itself times query, answer and first byte
# (curl through its resolver); the same cold summon from the in-dom0
# client, for comparison; and Synjitsu's early hand-over, records written
# before the guest asks (as its domain is made, or at its unpause), to a
# PV httpd.  Every time here is the host's clock except the
# dom0 client's, which is dom0's.
# testbed: hostnet

mkdir -p /etc/jitsud /var/lib/jitsud
uk="kernel=/testbed/unikernels/httpd.pvh type=pvh memory=8M cpuid=\"host,rdtscp=0\" ready=xenstore max-boot=60s max-wait=30s idle=0 synjitsu=off"
{
	printf '$ORIGIN test.\n$TTL 0\n'
	printf '@\tIN\tSOA\tns hostmaster 1 3600 600 86400 0\n'
	printf '@\tIN\tNS\tns\nns\tIN\tA\t10.0.0.1\n'
	printf 'dig\tIN\tUNIKERNEL\t%s ip=10.0.0.51\n' "$uk"
	printf 'fb\tIN\tUNIKERNEL\t%s ip=10.0.0.52\n' "$uk"
	printf 'in\tIN\tUNIKERNEL\t%s ip=10.0.0.53\n' "$uk"
	# PV, so libxl builds it (no shell): the host's client, which
	# connects as soon as it has the answer, has sent its request long
	# before the domain is made, when the records then go
	# (handover_created; at the latest at the unpause).
	printf 'early\tIN\tUNIKERNEL\tkernel=/testbed/unikernels/httpd.pv type=pv memory=8M ready=xenstore ports=80 max-boot=60s idle=0 synjitsu=on ip=10.0.0.54\n'
} > /etc/jitsud/test.zone
printf 'listen on 10.0.0.1\nzone test.zone\nbackend xen\nvif-script vif-jitsu\n' \
    > /etc/jitsud/jitsud.conf
start_jitsud() {
	jitsud -d -v -f /etc/jitsud/jitsud.conf > /tmp/jitsud.log 2>&1 &
	tb_until test -S /run/jitsud/jitsud.sock
}
tb_require jitsud-start 20 start_jitsud

# The host reaches dom0 over the tap and the bridge.
check host-pings-dom0 tb_host ping -c 1 -w 20 10.0.0.1
[ "$T_FAILED" -eq 0 ] || tb_end 1

# dig from the host: jitsud answers a unikernel's name with its address,
# once the guest is ready (the answer is held); then its page.
host_dig() {
	_a=$(tb_host dig @10.0.0.1 +time=40 +tries=1 +short dig.test) ||
	    return 1
	echo "answer: $_a"
	cp "$TB_TMP/host.ms" /tmp/dig.ms
	[ "$_a" = 10.0.0.51 ]
}
host_page() {
	tb_host curl -sf --max-time 20 http://10.0.0.51/ > /tmp/page || return 1
	cp "$TB_TMP/host.ms" /tmp/page.ms
	cat /tmp/page
	grep -qi "<html" /tmp/page
}
check host-dig-summons-unikernel host_dig
check host-curl-gets-page host_page
tb_say "BENCH hostnet-dig client=host answer_ms=$(cat /tmp/dig.ms) page_ms=$(cat /tmp/page.ms)"

# One client, query to first byte, on the host: curl resolves the name
# through jitsud itself and connects to the answer.
host_fb() {
	tb_host firstbyte "$1" > /tmp/fb.out || {
		cat /tmp/fb.out
		echo "the host's neighbours:"
		tb_host neigh
		return 1
	}
	cat /tmp/fb.out
}
check host-first-byte-cold host_fb fb.test
tb_say "BENCH hostnet-first-byte client=host mode=cold $(cat /tmp/fb.out)"
check host-first-byte-warm host_fb fb.test
tb_say "BENCH hostnet-first-byte client=host mode=warm $(cat /tmp/fb.out)"

# The same from the in-dom0 client: dom0's clock, dom0's CPU.
dom0_fb() {
	_t0=$(tb_now)
	_ip=$(tb_client dig @10.0.0.1 +time=40 +tries=1 +short in.test)
	_t1=$(tb_now)
	[ "$_ip" = 10.0.0.53 ] || { echo "answer: $_ip"; return 1; }
	tb_client curl -sf --max-time 20 -o /dev/null "http://$_ip/" ||
	    return 1
	echo "answer_ms=$((_t1 - _t0)) first_byte_ms=$(($(tb_now) - _t0))" \
	    > /tmp/fb.out
	cat /tmp/fb.out
}
check dom0-first-byte-cold dom0_fb
tb_say "BENCH hostnet-first-byte client=dom0 mode=cold $(cat /tmp/fb.out)"
check dom0-first-byte-warm dom0_fb
tb_say "BENCH hostnet-first-byte client=dom0 mode=warm $(cat /tmp/fb.out)"

# Synjitsu to a kernel whose note says it takes records it has not asked
# for: the hand-over goes before it asks, the guest adopts, the client
# gets the page on its first connection.
check host-first-byte-synjitsu host_fb early.test
tb_say "BENCH hostnet-first-byte client=host mode=syn-pv $(cat /tmp/fb.out)"
check synjitsu-records-before-the-ask grep -Eq \
    "early\.test\.: synjitsu: 1 connection\(s\) handed over [0-9]* ms after the claim, (as its domain was made|at its unpause)" \
    /tmp/jitsud.log
check synjitsu-early-records-adopted tb_until grep -q \
    "early\.test\.: synjitsu: the guest adopted 1 connection(s)" \
    /tmp/jitsud.log
check synjitsu-no-syn-retransmitted grep -q "syn_retrans=0" /tmp/fb.out
# The client's request was in long before libxl had made the domain, so
# the builder wrote the records before the unpause (xlb_synjitsu_early),
# and the guest found them the first time it looked, as its NIC came up,
# with no watch and no second read.
check synjitsu-records-written-before-the-unpause grep -q \
    "early\.test: synjitsu: records written before the unpause" \
    /tmp/jitsud.log
check synjitsu-guest-found-them-as-its-nic-came-up tb_until grep -q \
    "records found as the NIC came up" \
    /var/log/xen/console/guest-early.test.log

# Summoned again: the host still has the guest's MAC and sends its SYN
# with no ARP first, so jitsud knows no hop for it; dom0's own ARP table
# (it has just answered the host's query) puts the host at the SYN's
# MAC, and the SYN-ACK goes at once, with no who-has of ours.
early_gone() { ! xl domid early.test > /dev/null 2>&1; }
resummon_early() {
	jitsuctl stop early.test. > /dev/null &&
	    tb_until early_gone &&
	    host_fb early.test
}
borrowed() {
	jitsuctl metrics | awk '$1 == "jitsud_synjitsu_neighbours_borrowed_total" { n = $2 }
	    END { print "borrowed " n; exit !(n >= 1) }'
}
check synjitsu-again-first-byte resummon_early
check synjitsu-hop-from-dom0s-arp-table borrowed
tb_log "synjitsu (jitsud's log)" grep "synjitsu" /tmp/jitsud.log
tb_log "every summon's timeline (jitsud's log)" grep "summon timeline" /tmp/jitsud.log
