# vchan-dom0.sh -- src/vchan.c (libxenvchan) works on this Xen: one end
# in dom0 offers a vchan to dom0 itself, the other maps it, and 1 MiB
# goes through and back intact; closing removes the server's XenStore
# nodes.  The same tool (vchanpeer) is the Dom0 peer of the unikernels'
# vchan in the conduit tests.
P=/local/domain/0/data/vchantest

server_up() {
	xenstore-read "$P/ring-ref" && xenstore-read "$P/event-channel"
}

client_ok() {
	vchanpeer client 0 "$P" 1048576 > /tmp/client.out 2>&1
	grep -q "^ok bytes=1048576 " /tmp/client.out
}

server_served() {
	grep -q "^served bytes=1048576$" /tmp/server.out
}

nodes_gone() {
	! xenstore-exists "$P/ring-ref"
}

xenstore-write "$P" ""
vchanpeer server 0 "$P" > /tmp/server.out 2>&1 &
tb_require server-offers 20 tb_until server_up
tb_step one-mib-back 60 client_ok
tb_step server-served 20 tb_until server_served
tb_step nodes-removed 20 tb_until nodes_gone
tb_log "client" cat /tmp/client.out
tb_log "server" cat /tmp/server.out
