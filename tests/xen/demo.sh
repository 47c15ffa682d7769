# testbed: hostnet
# demo.sh -- what `make demo` shows: a client outside the emulated
# machine (curl in a namespace of the host, its resolver asking jitsud)
# asks for http://www.test/ while nothing runs.  jitsud answers the DNS
# query at once, boots our httpd unikernel, completes the client's TCP
# handshake for it meanwhile (Synjitsu) and hands the connection over
# once it runs; the page comes on the client's first connection.  Then
# the per-phase timeline of that summon, and for contrast the same for
# a small Linux guest (answer held until it serves: Linux cannot adopt a
# connection).  Times are the host's clock for the client, jitsud's for
# the timeline; the machine is emulated (QEMU TCG), so compare them with
# each other, not with real hardware.

. /testbed/tests/jitsud.inc

printf 'www\tIN\tUNIKERNEL\tkernel=/testbed/unikernels/httpd.pvh type=pvh memory=4M cpuid="host,rdtscp=0" ip=10.0.0.20 ports=80 ready=xenstore max-boot=60s idle=0 synjitsu=on\n' \
    >> /etc/jitsud/test.zone

# demo_get NAME: the host client's first connection to NAME; its times
# go to /tmp/demo.view (demo_view shows them).
demo_get() {
	tb_host firstbyte "$1" > /tmp/demo.out
	_r=$?
	tr ' ' '\n' < /tmp/demo.out | awk -F= '
	    $1 == "answer_ms" { print "  DNS answer      " $2 " ms" }
	    $1 == "connect_ms" { print "  TCP connected   " $2 " ms" }
	    $1 == "first_byte_ms" { print "  first HTTP byte " $2 " ms" }
	    $1 == "code" { print "  HTTP status     " $2 }
	    $1 == "syn_retrans" { print "  SYNs sent again " $2 }' \
	    > /tmp/demo.view
	cat /tmp/demo.out
	return $_r
}

demo_view() {
	cat /tmp/demo.view
}

# demo_timeline NAME: jitsud's phases of NAME's summon, from its log.
demo_timeline() {
	grep "$1.: summon timeline" /tmp/jitsud.log | tail -n 1 |
	    sed 's/.*(ms after the query): //' | tr ' ' '\n' |
	    grep -v '^builder=' | sort -t= -k2 -n |
	    sed 's/^\([a-z-]*\)=\(.*\)/  \2 ms  \1/'
}

tb_require jitsud-start 20 start_jitsud
# The host's path to dom0 is up (the emulated NIC's link comes up late).
check host-reaches-dom0 tb_host ping -c 1 -w 20 10.0.0.1
tb_log "jitsuctl list (nothing runs yet)" jitsuctl list
tb_say "DEMO host\$ curl http://www.test/   (httpd unikernel, 4 MiB, Synjitsu)"
check www-served demo_get www.test
tb_log "what the host's client saw (host clock, from its query)" demo_view
tb_log "jitsud's timeline of that summon (ms after the query)" \
    demo_timeline www.test
tb_say "DEMO phases: build = a builder thread starts it, created = the domain exists, unpaused = it runs, devices = its vif is connected, ready = it says it serves, handover = jitsud gives it the held connection, adopted = it took it"
tb_log "jitsuctl show www.test." jitsuctl show www.test.
tb_say "DEMO host\$ curl http://linux.test/   (Linux PV guest, 96 MiB, answer held until it serves)"
check linux-served demo_get linux.test
tb_log "what the host's client saw (host clock, from its query)" demo_view
tb_log "jitsud's timeline of that summon (ms after the query)" \
    demo_timeline linux.test
tb_log "jitsuctl list (after)" jitsuctl list
tb_log "xl list" xl list
