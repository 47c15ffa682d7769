# fuzz.mk -- libFuzzer harnesses (tests/fuzz/fuzz_NAME.c), included by
# the Makefile.  Everything is built with clang, -fsanitize=fuzzer,
# address and undefined, into its own tree: build/fuzz.
#
#   make fuzz                 each harness FUZZ_TIME seconds (60) on its
#                             corpus; the summary goes to bench/fuzz.txt
#   make fuzz-build           the harnesses only: build/fuzz/bin/fuzz_NAME
#   make fuzz FUZZERS="dns zone" FUZZ_TIME=600    some, longer
#
# Daemon sources are built as the daemon builds them; the libOS's as its
# host unit tests do (tests/unit/host.h renames its libc subset).

FUZZ_CC	 ?= clang
FUZZ_TIME ?= 60
FZ	  = build/fuzz
FUZZ_SAN  = -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -g -O1 $(WARNINGS) $(FUZZ_SAN) \
	      -fsanitize=fuzzer-no-link -DFUZZ_TOP='"$(CURDIR)"'

# Harnesses of daemon code and of libOS code, and what each links.
FUZZERS	?= dns zone conf ctl synjitsu proc handover net xs conduit vchan
FUZZ_UK	  = handover net xs vchan
fuzz_dns_SRCS	= src/dns.c $(ZONE_SRCS) src/binding.c src/conduit.c src/errors.c \
		  tests/fuzz/fuzz_dnsmsg.c
fuzz_dns_LIBS	= $(shell pkg-config --libs ldns)
fuzz_zone_SRCS	= $(ZONE_SRCS) src/binding.c src/conduit.c src/errors.c src/dns.c \
		  tests/fuzz/fuzz_file.c tests/fuzz/fuzz_dnsmsg.c
fuzz_zone_LIBS	= $(shell pkg-config --libs ldns)
fuzz_conduit_SRCS = src/conduit.c
fuzz_conf_SRCS	= src/conf.c src/errors.c tests/fuzz/fuzz_file.c
fuzz_ctl_SRCS	= src/ctl.c
fuzz_synjitsu_SRCS = src/synjitsu.c src/siphash.c unikernels/lib/synrec.c \
		  $(WIRE_SRCS) tests/fuzz/fuzz_frame.c
fuzz_proc_SRCS	= src/proc_util.c src/binding.c src/conduit.c unikernels/lib/synrec.c
fuzz_handover_UK = platform/unix-sock/handover.c platform/unix-sock/adopt.c \
		  lib/synrec.c lib/string.c
fuzz_net_UK	= lib/wire/eth.c lib/wire/arp.c lib/wire/ip.c lib/wire/tcp.c \
		  lib/net/net.c lib/net/arp.c lib/net/ipv4.c \
		  lib/net/icmp.c lib/net/udp.c lib/net/tcp.c lib/net/tcp_out.c \
		  lib/net/tcp_user.c
fuzz_net_SRCS	= tests/fuzz/fuzz_frame.c tests/fuzz/fuzz_ukmem.c
fuzz_xs_UK	= platform/xen/xs_wire.c lib/string.c
fuzz_vchan_UK	= lib/vchan.c lib/ring.c lib/string.c

FUZZ_UK_CPPFLAGS = -include unikernels/tests/unit/host.h -I$(FZ)/xeninc \
	-Iunikernels/include -Iunikernels/lib -Iunikernels/lib/net \
	-Iunikernels/platform/xen -Iunikernels/platform/xen-x86 \
	-Iunikernels/platform/unix-sock \
	-D__XEN_INTERFACE_VERSION__=0x00040e00 -DFUZZ_TOP='"$(CURDIR)"'
FUZZ_UK_CFLAGS = $(filter-out -Wmissing-prototypes -Wmissing-declarations \
	-Wformat=2,$(FUZZ_CFLAGS))

$(FZ)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

# Only <xen/...> of /usr/include, as the libOS's own build allows.
$(FZ)/xeninc/xen:
	@mkdir -p $(dir $@)
	ln -sfn /usr/include/xen $@

$(FZ)/uk/%.o: unikernels/%.c | $(FZ)/xeninc/xen
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_UK_CPPFLAGS) $(FUZZ_UK_CFLAGS) -MMD -MP -c -o $@ $<

$(FZ)/ukh/%.o: tests/fuzz/%.c | $(FZ)/xeninc/xen
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_UK_CPPFLAGS) $(FUZZ_UK_CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(FZ)/obj $(FZ)/uk $(FZ)/ukh -name '*.d' 2>/dev/null)

define fuzz_rule
$(FZ)/bin/fuzz_$(1): \
    $(if $(filter $(1),$(FUZZ_UK)),$(FZ)/ukh/fuzz_$(1).o,$(FZ)/obj/tests/fuzz/fuzz_$(1).o) \
    $(FZ)/obj/tests/fuzz/fuzz.o \
    $(patsubst %.c,$(FZ)/obj/%.o,$(fuzz_$(1)_SRCS)) \
    $(patsubst %.c,$(FZ)/uk/%.o,$(fuzz_$(1)_UK))
	@mkdir -p $$(dir $$@)
	$$(FUZZ_CC) $$(FUZZ_SAN) -fsanitize=fuzzer -o $$@ $$^ $$(fuzz_$(1)_LIBS)
endef
$(foreach f,$(FUZZERS),$(eval $(call fuzz_rule,$(f))))

.PHONY: fuzz fuzz-build
fuzz-build: $(addprefix $(FZ)/bin/fuzz_,$(FUZZERS))

fuzz: fuzz-build
	@sh tests/fuzz/run.sh -t $(FUZZ_TIME) -o bench/fuzz.txt $(FUZZERS)

# make check's fuzz suite: every harness FUZZ_CHECK_TIME s from its
# seeds alone; any crash, leak or sanitizer report fails it.
FUZZ_CHECK_TIME ?= 10
.PHONY: fuzz-check
fuzz-check: fuzz-build
	@sh tests/fuzz/run.sh -c -t $(FUZZ_CHECK_TIME) $(FUZZERS)
