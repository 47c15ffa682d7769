# demo.sh -- what `make demo` shows: jitsud in a nested Xen dom0 answers a
# DNS query for a name whose VM is not running by booting it, and the
# client that asked then fetches a page from it.

. /testbed/tests/jitsud.inc

fetch_page() {
	tb_client curl -sf --max-time 5 http://10.0.0.10/
}

tb_require jitsud-start 20 start_jitsud
tb_log "jitsuctl list (before)" jitsuctl list
tb_say "DEMO client$ dig @10.0.0.1 linux.test   (nothing runs yet)"
tb_require dig-summons-vm 120 summon
tb_log "client$ dig +short @10.0.0.1 linux.test" lookup linux.test A
tb_step http-get 60 tb_until fetch_page
tb_log "client$ curl http://10.0.0.10/" fetch_page
tb_log "jitsuctl list (after)" jitsuctl list
tb_log "xl list" xl list
tb_log "jitsud log" cat /tmp/jitsud.log
