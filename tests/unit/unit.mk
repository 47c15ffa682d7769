# unit.mk -- what each unit test links: the module under test and nothing
# it could lean on by accident.  test_X_SRCS lists sources, test_X_LIBS
# extra libraries.  $(QUIETLOG) stands for src/log.c where a test
# wants the module silent (tests/unit/quietlog.h says what it does).
QUIETLOG	= tests/unit/quietlog.c
test_log_SRCS	= src/log.c
test_binding_SRCS = src/binding.c src/conduit.c
test_zone_SRCS	= $(ZONE_SRCS) src/binding.c src/conduit.c src/errors.c
test_zone_LIBS	= $(shell $(PKG_CONFIG) --libs ldns)
test_conf_SRCS	= src/conf.c src/errors.c
test_sdnotify_SRCS	= src/sdnotify.c
test_priv_SRCS	= src/priv.c $(QUIETLOG)
test_dns_SRCS	= src/dns.c $(ZONE_SRCS) src/binding.c src/conduit.c src/errors.c
test_dns_LIBS	= $(shell $(PKG_CONFIG) --libs ldns)
test_ctl_SRCS	= src/ctl.c
test_vm_SRCS	= src/vm.c src/handover.c src/probe.c src/log.c src/binding.c src/conduit.c \
		  src/timeline.c
test_vm_LIBS	= $(shell $(PKG_CONFIG) --libs libevent)
test_netlink_SRCS	= src/netlink.c
test_proc_SRCS	= src/proc.c src/proc_child.c src/proc_sock.c src/priv.c \
		  src/proc_adopt.c src/proc_util.c src/netlink.c src/log.c \
		  unikernels/lib/synrec.c
test_proc_LIBS	= $(shell $(PKG_CONFIG) --libs libevent)
test_probe_SRCS	= src/probe.c
test_probe_LIBS	= $(shell $(PKG_CONFIG) --libs libevent)
test_image_SRCS	= src/image.c src/log.c
test_synjitsu_SRCS	= src/synjitsu.c src/siphash.c unikernels/lib/synrec.c $(WIRE_SRCS)
test_handover_SRCS	= src/handover.c src/log.c
test_handover_LIBS	= $(shell $(PKG_CONFIG) --libs libevent)
test_xl_SRCS	= src/xl.c src/log.c src/binding.c src/conduit.c unikernels/lib/synrec.c
test_xl_LIBS	= $(shell $(PKG_CONFIG) --libs libevent)
test_timeline_SRCS	= src/timeline.c
test_metrics_SRCS	= src/metrics.c src/timeline.c
test_metrics_LIBS	= -lm
test_control_SRCS	= src/control.c src/ctl.c src/timeline.c $(QUIETLOG)
test_control_LIBS	= $(shell $(PKG_CONFIG) --libs libevent)
test_forward_SRCS	= src/forward.c $(QUIETLOG)
test_forward_LIBS	= $(shell $(PKG_CONFIG) --libs libevent)
test_server_SRCS	= src/server.c src/rrl.c src/siphash.c $(QUIETLOG)
test_server_LIBS	= $(shell $(PKG_CONFIG) --libs libevent) -Wl,--wrap=accept4
test_chan_SRCS	= src/chan.c $(QUIETLOG)
test_chan_LIBS	= $(shell $(PKG_CONFIG) --libs libevent) -lpthread
test_store_SRCS	= src/store.c src/store_wire.c $(QUIETLOG)
test_store_LIBS	= $(shell $(PKG_CONFIG) --libs libevent) -lpthread
test_store_wire_SRCS	= src/store_wire.c
test_store_wire_LIBS	= -lpthread
test_xlv_SRCS	= src/xlv.c $(QUIETLOG)
test_xlv_LIBS	= $(shell $(PKG_CONFIG) --libs libevent)
test_xls_SRCS	= src/xls.c $(QUIETLOG)
test_xls_LIBS	= $(shell $(PKG_CONFIG) --libs xencontrol xenguest xenforeignmemory)
test_xlp_SRCS	= src/xlp.c $(QUIETLOG)
test_xlp_LIBS	= $(shell $(PKG_CONFIG) --libs libevent)
test_child_SRCS	= src/child.c
test_rrl_SRCS	= src/rrl.c src/siphash.c
test_rrl_LIBS	= -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
test_dial_SRCS	= src/dial.c src/ctl.c
test_dial_LIBS	= -lpthread
test_conduit_SRCS	= src/conduit.c
