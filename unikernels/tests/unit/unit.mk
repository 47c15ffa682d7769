# unit.mk -- what each libOS unit test links: the modules under test only.
# Paths are relative to unikernels/.
test_string_SRCS	= lib/string.c
test_printf_SRCS	= lib/printf.c lib/string.c
test_ring_SRCS		= lib/ring.c lib/string.c
test_cmdline_SRCS	= lib/cmdline.c lib/string.c
test_timer_SRCS		= lib/timer.c lib/string.c
test_xs_wire_SRCS	= platform/xen/xs_wire.c lib/string.c
