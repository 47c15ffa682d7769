# unit.mk -- what each libOS unit test links: the modules under test only.
# Paths are relative to unikernels/.
test_string_SRCS	= lib/string.c
test_printf_SRCS	= lib/printf.c lib/string.c
test_ring_SRCS		= lib/ring.c lib/string.c
test_cmdline_SRCS	= lib/cmdline.c lib/string.c
test_timer_SRCS		= lib/timer.c lib/string.c
test_xs_wire_SRCS	= platform/xen/xs_wire.c lib/string.c
# The TCP/IP stack: every module but stack.c (the uk.h glue).
NET_UNIT_SRCS = lib/net/addr.c lib/net/ether.c lib/net/net.c lib/net/arp.c \
	lib/net/ipv4.c lib/net/icmp.c lib/net/udp.c lib/net/tcp_wire.c \
	lib/net/tcp.c lib/net/tcp_out.c lib/net/tcp_user.c lib/string.c
test_net_SRCS		= $(NET_UNIT_SRCS)
test_tcp_SRCS		= $(NET_UNIT_SRCS)
test_http_SRCS		= apps/httpd/http.c apps/httpd/site.c lib/string.c \
	lib/printf.c
