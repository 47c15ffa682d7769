# demo.sh -- what `make demo` shows: a guest booted on demand in nested Xen,
# reached from the client namespace.  (Until jitsud itself lands, the guest
# is booted with xl; the demo then grows into a DNS-summoned unikernel.)

fetch_page() {
	tb_client curl -sf --max-time 2 http://10.0.0.10/
}

tb_say "DEMO booting the baseline Linux micro-VM with xl create"
tb_step xl-create 90 xl create /testbed/tests/linux.cfg
tb_step http-get 60 tb_until fetch_page
tb_log "client$ curl http://10.0.0.10/" fetch_page
tb_log "xl list" xl list
tb_step xl-destroy 30 xl destroy linux
