# unit.mk -- what each libOS unit test links: the modules under test only.
# Paths are relative to unikernels/.
test_string_SRCS	= lib/string.c
test_printf_SRCS	= lib/printf.c lib/string.c
test_ring_SRCS		= lib/ring.c lib/string.c
test_cmdline_SRCS	= lib/cmdline.c lib/string.c
test_timer_SRCS		= lib/timer.c lib/string.c
test_xs_wire_SRCS	= platform/xen/xs_wire.c lib/string.c
# The Xen on ARM bindings' device-tree reader (pure: bytes in, facts out).
test_fdt_SRCS		= platform/xen-arm/fdt.c lib/string.c
# The TCP/IP stack: every module but stack.c (the uk.h glue).
NET_UNIT_SRCS = $(WIRE_SRCS) lib/net/addr.c lib/net/net.c lib/net/arp.c \
	lib/net/ipv4.c lib/net/icmp.c lib/net/udp.c \
	lib/net/tcp.c lib/net/tcp_out.c lib/net/tcp_user.c lib/string.c
# The header helpers the stack shares with jitsud: nothing else, not
# even lib/string.c, since they must build without any library.
test_wire_SRCS		= $(WIRE_SRCS)
test_net_SRCS		= $(NET_UNIT_SRCS)
test_tcp_SRCS		= $(NET_UNIT_SRCS)
test_http_SRCS		= apps/httpd/http.c apps/httpd/site.c lib/string.c \
	lib/printf.c
test_synrec_SRCS	= lib/synrec.c lib/printf.c lib/string.c
# The guest side of the Synjitsu hand-over, XenStore and stack faked.
test_synjitsu_SRCS	= lib/synjitsu.c lib/synrec.c lib/ready.c lib/timer.c \
	lib/printf.c lib/string.c lib/cmdline.c
# unix-sock's pure parts (platform/unix-sock/sockplat.h).
test_sock_adopt_SRCS	= platform/unix-sock/adopt.c lib/synrec.c lib/string.c
test_sock_handover_SRCS	= platform/unix-sock/handover.c lib/synrec.c \
	lib/string.c
# The whole guest side of a hand-over: the real stack glue and event
# loop, the NIC, the clock and XenStore faked.
test_handover_SRCS	= $(NET_UNIT_SRCS) lib/net/stack.c lib/synjitsu.c \
	lib/synrec.c lib/ready.c lib/timer.c lib/poll.c lib/printf.c \
	lib/cmdline.c
# The vchan rings (libxenvchan's shared page), both ends in one process.
test_vchan_SRCS		= lib/vchan.c lib/ring.c lib/string.c
# The same rings against Debian's stock libxenvchan (libxen-dev), whose
# calls into Xen's libraries go to the test's own in-process hypervisor.
test_vchan_xen_SRCS	= lib/vchan.c lib/ring.c lib/string.c
VCHAN_XEN_WRAP = xenevtchn_open xenevtchn_close xenevtchn_bind_unbound_port \
	xenevtchn_bind_interdomain xenevtchn_notify xenevtchn_pending \
	xenevtchn_unmask xengntshr_open xengntshr_close xengntshr_share_pages \
	xengntshr_share_page_notify xengntshr_unshare xengnttab_open \
	xengnttab_close xengnttab_map_domain_grant_refs \
	xengnttab_map_grant_ref_notify xengnttab_unmap xs_open xs_close \
	xs_read xs_write xs_set_permissions xs_rm xs_transaction_start \
	xs_transaction_end munmap
comma := ,
test_vchan_xen_LIBS	= $(patsubst %,-Wl$(comma)--wrap=%,$(VCHAN_XEN_WRAP)) \
	-l:libxenvchan.a -lxenevtchn -pthread
# conduit(7)'s parsers, and the rendezvous (XenStore and vchan faked).
test_conduit_SRCS	= lib/conduit.c lib/string.c
test_conduit_xen_SRCS	= platform/xen/conduit_xen.c lib/conduit.c \
	lib/string.c lib/printf.c
# vchan_xen.c's slots: grants, event channels and XenStore faked.
test_vchan_slots_SRCS	= platform/xen/vchan_xen.c lib/vchan.c lib/ring.c \
	lib/string.c lib/printf.c
