# Makefile -- jitsud: build, test, install
#
#   make                 build the programs into build/bin
#   make check           unit tests (plain and ASan+UBSan) + nested-Xen tests
#   make check SANITIZE=1  unit and daemon tests under ASan+UBSan only
#   make check-arm       the armhf suites on the emulated armhf testbed,
#                        and jitsud-xl on arm64's (not part of make check)
#   make unit            unit tests only (fast)
#   make smoke           the nested-Xen smoke test only
#   make demo            boot the testbed and show a guest being served
#   make bench           benchmarks; results under bench/
#   make bench-arm       the nested benchmarks on the ARM machines (same file;
#                        BENCH_ARM="arm64 armhf")
#   make fuzz            libFuzzer harnesses, FUZZ_TIME s each (tests/fuzz)
#   make install         PREFIX=/usr/local DESTDIR= (SYSCONFDIR, XENSCRIPTDIR)
#   make ARCH=arm64      cross-build the programs and test tools for ARM
#                        into build/arm64 (ARCH=armhf: build/armhf); make
#                        install ARCH=... installs them (no unikernels)
#   make deb             the Debian package, build/deb/jitsud_VERSION_ARCH.deb
#   make format          rewrite the C files to .clang-format
#   make format-check    name the C files that differ from it

.DEFAULT_GOAL := all

PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR	?= /lib/systemd/system
DOCDIR	?= $(PREFIX)/share/doc/jitsud
UKDIR	?= $(PREFIX)/lib/jitsud/unikernels
XENSCRIPTDIR ?= /etc/xen/scripts

CC	?= cc
CFLAGS	?= -O2 -g
WARNINGS = -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual \
	   -Wstrict-prototypes -Wmissing-prototypes -Wmissing-declarations \
	   -Wformat=2 -Wwrite-strings -Wundef -Wvla
CPPFLAGS += -Iinclude -D_GNU_SOURCE -D__XEN_TOOLS__
ALL_CFLAGS = -std=c11 $(WARNINGS) $(CFLAGS)

PKG_CONFIG = pkg-config
comma	:= ,

# Cross builds for ARM (make ARCH=arm64, make ARCH=armhf): Debian's cross
# compiler, and the foreign libraries from a sysroot that
# scripts/cross.sh unpacks from Debian's ARCH packages into
# build/ARCH/sysroot.  Everything built goes to build/ARCH, so the x86
# and ARM objects never mix.  The sysroot's headers are system headers
# (-isystem), as /usr/include's are for the native build: the same
# warnings apply to our code and only to it.  Only the programs and the
# test tools are built, and the unit tests (make ARCH=... unit runs them
# under qemu-user, the sysroot as their root); the unikernels for ARM are
# make -C unikernels ARCH=arm64's (part of the native make), and the
# fuzzers and the other suites run on the build host.
ARCH	?=	# empty (or amd64, x86_64, x86): the native build
CROSS_TRIPLET_arm64 = aarch64-linux-gnu
CROSS_TRIPLET_armhf = arm-linux-gnueabihf
CROSS_QEMU_arm64 = qemu-aarch64-static
CROSS_QEMU_armhf = qemu-arm-static
ifneq ($(filter-out amd64 x86_64 x86,$(ARCH)),)
TRIPLET	= $(CROSS_TRIPLET_$(ARCH))
ifeq ($(TRIPLET),)
$(error ARCH=$(ARCH): the cross builds are ARCH=arm64 and ARCH=armhf)
endif
ifneq ($(filter check check-arm fuzz fuzz-build fuzz-check smoke \
    testbed-selftest demo bench bench-arm deb unikernels,$(MAKECMDGOALS)),)
$(error ARCH=$(ARCH) builds the programs, test tools and unit tests only \
    (make, make unit, make install); the rest is x86)
endif
ifeq ($(SANITIZE),1)
$(error ARCH=$(ARCH): SANITIZE=1 is for the native build only)
endif
ifeq ($(origin CC),default)
CC	= $(TRIPLET)-gcc
endif
B	= build/$(ARCH)
SYSROOT	= build/$(ARCH)/sysroot
CROSS_STAMP = build/$(ARCH)/sysroot.stamp
SYSLIB	= $(SYSROOT)/usr/lib/$(TRIPLET) $(SYSROOT)/lib/$(TRIPLET)
# Debian's cross compilers also search the host's /usr/include, where an
# x86 header would stand in, unnoticed, for one the sysroot lacks: the
# search list is spelt out instead (the compiler's own headers, the
# sysroot's, the cross C library's), and a missing header fails.
ifeq ($(shell command -v $(firstword $(CC))),)
$(error $(CC) not found: scripts/deps.sh (as root) installs the cross compilers)
endif
CROSS_GCCINC := $(shell $(CC) -print-file-name=include)
CPPFLAGS += -nostdinc -isystem $(CROSS_GCCINC) \
	    -isystem $(SYSROOT)/usr/include/$(TRIPLET) \
	    -isystem $(SYSROOT)/usr/include -isystem /usr/$(TRIPLET)/include
LDFLAGS	+= $(addprefix -L,$(SYSLIB)) \
	   $(addprefix -Wl$(comma)-rpath-link$(comma),$(SYSLIB))
# 32-bit ARM: 64-bit file offsets and inode numbers, or stat and readdir
# fail with EOVERFLOW on a large file or inode (the image cache's sweep
# saw no file under qemu-arm).  The libraries' interfaces hold no off_t
# (libevent's ev_off_t has a fixed size), so this changes no ABI.
ifeq ($(ARCH),armhf)
CPPFLAGS += -D_FILE_OFFSET_BITS=64
endif
UNIT_RUNNER = $(CROSS_QEMU_$(ARCH)) -L $(SYSROOT)
PKG_CONFIG = PKG_CONFIG_SYSROOT_DIR=$(SYSROOT) \
	     PKG_CONFIG_LIBDIR=$(SYSROOT)/usr/lib/$(TRIPLET)/pkgconfig \
	     pkg-config
else ifeq ($(SANITIZE),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	      -fno-sanitize-recover=all
LDFLAGS	+= -fsanitize=address,undefined
B	= build/asan
else
B	= build
endif

CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka)

# Unit tests: tests/unit/test_X.c is linked with only the sources that
# tests/unit/unit.mk lists in test_X_SRCS (the module under test), so a
# test cannot lean on a neighbour by accident.
UNIT_TESTS = $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
include tests/unit/unit.mk

# The zone loader (zone.c and its parts); ldns is behind zone_ldns.c.
ZONE_SRCS = src/zone.c src/zone_read.c src/zone_ldns.c src/zone_check.c \
	    src/zone_build.c

# The libOS's Ethernet/ARP/IPv4/TCP helpers, which Synjitsu shares.
WIRE_SRCS = $(addprefix unikernels/lib/wire/,eth.c arp.c ip.c tcp.c)

# The programs: build/bin/NAME from NAME_SRCS and NAME_LIBS.
PROGRAMS = jitsud jitsuctl
jitsud_SRCS = src/jitsud.c src/server.c src/forward.c src/control.c \
	      src/vm.c src/handover.c src/xl.c src/xlb.c src/xld.c src/xlh.c \
	      src/xlv.c src/xls.c src/xlp.c src/child.c \
	      src/chan.c src/store.c src/store_wire.c src/broker.c src/brokers.c src/proc.c \
	      src/proc_child.c src/proc_sock.c src/proc_adopt.c src/proc_util.c \
	      src/netlink.c src/probe.c src/dns.c \
	      $(ZONE_SRCS) src/binding.c src/conduit.c src/conf.c src/errors.c src/metrics.c \
	      src/metrics_http.c src/timeline.c src/sdnotify.c src/priv.c src/ctl.c src/log.c src/image.c \
	      src/synio.c src/rrl.c \
	      src/synjitsu.c src/siphash.c unikernels/lib/synrec.c $(WIRE_SRCS)
jitsud_LIBS = $(shell $(PKG_CONFIG) --libs libevent ldns xenlight xenstore \
	      xentoollog xencontrol xenguest xenforeignmemory) -lpthread
jitsuctl_SRCS = src/jitsuctl.c src/ctl.c src/dial.c src/vchan.c
jitsuctl_LIBS = $(shell $(PKG_CONFIG) --libs xenvchan)

define prog_rule
$(B)/bin/$(1): $(patsubst %.c,$(B)/obj/%.o,$($(1)_SRCS))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$($(1)_LIBS)
endef
$(foreach p,$(PROGRAMS),$(eval $(call prog_rule,$(p))))
MANPAGES = $(wildcard man/*.[1-8])

.PHONY: all check check-arm unit unit-build smoke testbed-selftest demo bench \
	bench-arm install deb clean distclean format format-check unikernels
TOOLS = qlat qburst shellprobe servewait tcpflood dnscmp synspoof vchanpeer \
	domcpu
all: $(addprefix $(B)/bin/,$(PROGRAMS)) $(if $(TRIPLET),,unikernels) \
    $(addprefix $(B)/tools/,$(TOOLS))

# The cross builds' sysroot (scripts/cross.sh): fetched once, then again
# only when the script changes.
ifneq ($(TRIPLET),)
$(CROSS_STAMP): scripts/cross.sh
	@sh scripts/cross.sh $(ARCH) build/$(ARCH)
	@touch $@
endif

# Test tools (tests/tools/NAME.c), for the system tests and the testbed.
$(B)/tools/%: tests/tools/%.c tests/tools/dnsq.h | $(CROSS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

# Figure 2's end of a run: XenStore's watches and HTTP (libxenstore).
$(B)/tools/servewait: tests/tools/servewait.c | $(CROSS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(shell $(PKG_CONFIG) --libs xenstore)

# Xen's count of its domains' CPU, for the bench (libxenctrl, whose
# headers need gnu11 as xls.c's do).
$(B)/tools/domcpu: tests/tools/domcpu.c | $(CROSS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -std=gnu11 $(LDFLAGS) -o $@ $< \
	    $(shell $(PKG_CONFIG) --libs xencontrol)

# One end of a vchan (src/vchan.c, libxenvchan): the conduit tests' peer.
$(B)/tools/vchanpeer: tests/tools/vchanpeer.c src/vchan.c include/vchan.h \
    | $(CROSS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ tests/tools/vchanpeer.c \
	    src/vchan.c $(shell $(PKG_CONFIG) --libs xenvchan)

# The NSD comparison (tests/system/nsdcmp.sh) reads replies with ldns.
$(B)/tools/dnscmp: tests/tools/dnscmp.c | $(CROSS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(shell $(PKG_CONFIG) --libs ldns)

# The testbed's driver for domain shells (tests/xen/xls.sh): xls.c with
# the daemon's XenStore and vif code.
shellprobe_SRCS = tests/tools/shellprobe.c src/xls.c src/store.c \
	      src/store_wire.c src/xlv.c src/netlink.c src/log.c
$(B)/tools/shellprobe: $(patsubst %.c,$(B)/obj/%.o,$(shellprobe_SRCS))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(shell $(PKG_CONFIG) --libs libevent xenstore \
	    xencontrol xenguest xenforeignmemory)

# The libOS and its images, for the testbeds: build/unikernels/*.pvh and
# *.pv (x86), build/arm64/unikernels/*.arm64 (Xen on ARM, cross-built).
# The arm32 zImages (make -C unikernels ARCH=armhf) are check-arm's.
unikernels:
	@$(MAKE) --no-print-directory -C unikernels
	@$(MAKE) --no-print-directory -C unikernels ARCH=arm64

# xenctrl.h pulls in Xen's public headers, which use anonymous unions:
# the one file behind libxenctrl/libxenguest is built as gnu11.
$(B)/obj/src/xls.o: ALL_CFLAGS += -std=gnu11

$(B)/obj/%.o: %.c | $(CROSS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

define unit_rule
$(B)/tests/$(1): $(B)/obj/tests/unit/$(1).o \
    $(patsubst %.c,$(B)/obj/%.o,$($(1)_SRCS))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$($(1)_LIBS) $$(CMOCKA_LIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))
.SECONDARY:

include tests/fuzz/fuzz.mk

unit-build: $(addprefix $(B)/tests/,$(UNIT_TESTS))

unit: unit-build
	@UNIT_RUNNER="$(UNIT_RUNNER)" sh tests/run-unit.sh \
	    $(addprefix $(B)/tests/,$(UNIT_TESTS))

# The nested-Xen tests boot Xen under QEMU; see scripts/testbed/run.sh.
smoke: all
	@scripts/testbed/run.sh smoke

testbed-selftest: all
	@sh tests/testbed/selftest.sh

# check runs every suite (tests/check.sh); SANITIZE=1 runs only the
# unit and daemon tests, under ASan+UBSan.  The arm64 machine's dom0
# runs the cross-built jitsud (jitsud-arm64).
check: all
ifeq ($(SANITIZE),1)
	@sh tests/check.sh unit-asan daemon-asan
else
	@$(MAKE) --no-print-directory all SANITIZE=1
	@$(MAKE) --no-print-directory ARCH=arm64
	@sh tests/check.sh
endif

# check-arm runs the ARM suites that check leaves out (CI's time is
# taken already): on the armhf testbed (TESTBED_ARCH=armhf) smoke-armhf,
# jitsud-xl-armhf, the libOS's uk-armhf, uk-httpd-armhf and
# uk-vchan-uk-armhf, and jitsud-armhf; jitsud-xl-arm64 on arm64's; with
# the programs, test tools and arm32 unikernels cross-built first.  Its
# last verdicts are kept in bench/check-arm.txt (tests/check-record.sh).
CHECK_ARM_SUITES = smoke-armhf jitsud-xl-armhf uk-armhf uk-httpd-armhf \
		   uk-vchan-uk-armhf jitsud-armhf jitsud-xl-arm64
check-arm:
	@$(MAKE) --no-print-directory ARCH=armhf
	@$(MAKE) --no-print-directory -C unikernels ARCH=armhf
	@$(MAKE) --no-print-directory ARCH=arm64
	@mkdir -p build/check
	@{ sh tests/check.sh $(CHECK_ARM_SUITES); \
	    echo $$? > build/check/check-arm.rc; } | \
	    tee build/check/check-arm.out
	@sh tests/check-record.sh build/check/check-arm.out \
	    > bench/check-arm.txt
	@exit $$(cat build/check/check-arm.rc)

demo: all
	@scripts/testbed/run.sh demo

bench: all
	@scripts/bench/run.sh

# The same figures on each ARM machine (its dom0 runs the cross-built
# jitsud); results.txt gets a section for each after x86's.
BENCH_ARM ?= arm64 armhf
bench-arm: all
	@for a in $(BENCH_ARM); do \
		$(MAKE) --no-print-directory ARCH=$$a || exit 1; \
		[ $$a = arm64 ] || $(MAKE) --no-print-directory -C unikernels \
		    ARCH=$$a || exit 1; \
		BENCH_ARCH=$$a scripts/bench/run.sh || exit 1; \
	done

# The unikernels jitsud ships (the example zone boots httpd.pvh) go to
# $(UKDIR); the example zone is rewritten to name them there.  The vif
# hotplug script goes where libxl looks for scripts (Debian's
# /etc/xen/scripts).  $(SYSCONFDIR)/jitsud gets the example configuration
# only where it has none: an operator's files are never overwritten.
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(UKDIR) \
	    $(DESTDIR)$(XENSCRIPTDIR) $(DESTDIR)$(SYSCONFDIR)/jitsud
ifeq ($(TRIPLET),)
	install -m 0644 build/unikernels/httpd.pvh build/unikernels/httpd.pv \
	    build/unikernels/echo.pvh build/unikernels/echo.pv \
	    $(DESTDIR)$(UKDIR)/
else
	@echo "install: the unikernels are x86 only: none for ARCH=$(ARCH)"
endif
	for p in $(PROGRAMS); do \
		install -m 0755 $(B)/bin/$$p $(DESTDIR)$(SBINDIR)/$$p || exit 1; \
	done
	for m in $(MANPAGES); do \
		s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; \
	done
	sed 's|/usr/local/sbin|$(SBINDIR)|g' conf/jitsud.service > \
	    $(DESTDIR)$(UNITDIR)/jitsud.service
	install -m 0644 conf/jitsud.conf $(DESTDIR)$(DOCDIR)/examples/
	sed 's|/usr/local/lib/jitsud/unikernels|$(UKDIR)|g' \
	    conf/example.org.zone > $(DESTDIR)$(DOCDIR)/examples/example.org.zone
	install -m 0755 conf/vif-jitsu $(DESTDIR)$(XENSCRIPTDIR)/
	for f in jitsud.conf example.org.zone; do \
		t=$(DESTDIR)$(SYSCONFDIR)/jitsud/$$f; \
		[ -e $$t ] || install -m 0644 \
		    $(DESTDIR)$(DOCDIR)/examples/$$f $$t || exit 1; \
	done

# The Debian package: `make install' staged under /usr and /etc, with
# debian/'s control data and maintainer scripts (scripts/deb.sh).
deb: all
	@sh scripts/deb.sh

# format rewrites every C file to .clang-format; format-check changes
# nothing and names the files that differ (scripts/format.sh).
format:
	@sh scripts/format.sh

format-check:
	@sh scripts/format.sh --check

clean:
	rm -rf build/obj build/asan build/tests build/bin build/testbed \
	    build/uk-obj build/unikernels build/deb build/fuzz/obj build/fuzz/uk \
	    build/fuzz/ukh build/fuzz/bin \
	    $(foreach a,arm64 armhf,build/$(a)/obj build/$(a)/bin build/$(a)/tools \
		build/$(a)/tests build/$(a)/uk-obj build/$(a)/unikernels)

distclean: clean
	rm -rf build
