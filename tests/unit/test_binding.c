/* test_binding.c -- binding.c: every key, its default, every error message */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jitsud.h"

#define OWNER "www.example.org."
#define BASE  "kernel=/k.xen ip=10.0.0.10 "

static struct binding b;
static char	      err[BINDING_ERR_MAX];

/* binding_parse into x, what x held freed first. */
static int
reparse(struct binding *x, const char *owner, const char *rdata, char *e,
    size_t elen)
{
	binding_clear(x);
	return binding_parse(x, owner, rdata, e, elen);
}

/* Parse `rdata' and insist it succeeds, printing the error if not. */
static void
parse_ok(const char *rdata)
{
	err[0] = '\0';
	if (reparse(&b, OWNER, rdata, err, sizeof(err)) != 0)
		fail_msg("binding_parse(\"%s\") failed: %s", rdata, err);
}

static void
test_minimal_line_gets_every_default(void **state)
{
	uint8_t mac[6];

	(void)state;
	parse_ok("kernel=/var/lib/jitsu/www.xen ip=10.0.0.10");
	assert_string_equal(b.name, OWNER);
	assert_string_equal(b.kernel, "/var/lib/jitsu/www.xen");
	assert_int_equal(b.type, BINDING_TYPE_PVH);
	assert_int_equal(b.memory_kb, 16 * 1024);
	assert_int_equal(b.vcpus, 1);
	assert_true(b.has_ip);
	assert_false(b.has_ip6);
	assert_int_equal(ntohl(b.ip.s_addr), 0x0a00000a);
	assert_string_equal(b.bridge, "br0");
	assert_null(b.cmdline); /* absent strings are NULL */
	assert_null(b.ramdisk);
	assert_null(b.cpuid);
	assert_null(b.kernel_copy);
	assert_int_equal(b.idle_ms, 300000);
	assert_int_equal(b.stop, BINDING_STOP_DESTROY);
	assert_int_equal(b.ready, BINDING_READY_XENSTORE);
	assert_int_equal(b.max_boot_ms, 10000);
	assert_true(b.synjitsu);
	assert_true(b.console);
	assert_int_equal(b.nports, 1);
	assert_int_equal(b.ports[0], 80);
	assert_false(b.warm);
	assert_int_equal(b.max_wait_ms, 2000);
	assert_int_equal(b.ttl, 0);
	binding_derive_mac(OWNER, mac);
	assert_memory_equal(b.mac, mac, 6);
}

/* The keys only x86 Xen has (test_x86_keys_are_refused_on_arm). */
#if JITSUD_X86
#define X86_KEYS " type=pv cpuid=\"host,rdtscp=0\""
#define X86_STOP "suspend"
#else
#define X86_KEYS ""
#define X86_STOP "pause"
#endif

static void
test_every_key_is_parsed(void **state)
{
	static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0xab, 0xcd, 1 };
	struct in6_addr	     ip6;

	(void)state;
	parse_ok("kernel=/srv/u.xen memory=8M vcpus=4 ip=192.0.2.7 "
		 "ip6=2001:db8::7 mac=00:16:3E:ab:cd:01 bridge=xenbr1 "
		 "cmdline=\"-v --port 80\" idle=120s stop=" X86_STOP " "
		 "ready=tcp:8080 max-boot=20s synjitsu=off ports=80,443,8080 "
		 "warm=on max-wait=1500ms ramdisk=/srv/initrd.cpio "
		 "console=off" X86_KEYS);
	assert_string_equal(b.kernel, "/srv/u.xen");
	assert_string_equal(b.ramdisk, "/srv/initrd.cpio");
	if (JITSUD_X86) {
		assert_string_equal(b.cpuid, "host,rdtscp=0");
		assert_int_equal(b.type, BINDING_TYPE_PV);
	}
	assert_int_equal(b.memory_kb, 8 * 1024);
	assert_int_equal(b.vcpus, 4);
	assert_int_equal(ntohl(b.ip.s_addr), 0xc0000207);
	assert_true(b.has_ip6);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::7", &ip6), 1);
	assert_memory_equal(&b.ip6, &ip6, sizeof(ip6));
	assert_memory_equal(b.mac, mac, 6);
	assert_string_equal(b.bridge, "xenbr1");
	assert_string_equal(b.cmdline, "-v --port 80");
	assert_int_equal(b.idle_ms, 120000);
	assert_int_equal(b.stop,
	    JITSUD_X86 ? BINDING_STOP_SUSPEND : BINDING_STOP_PAUSE);
	assert_int_equal(b.ready, BINDING_READY_TCP);
	assert_int_equal(b.ready_port, 8080);
	assert_int_equal(b.max_boot_ms, 20000);
	assert_false(b.synjitsu);
	assert_int_equal(b.nports, 3);
	assert_int_equal(b.ports[0], 80);
	assert_int_equal(b.ports[1], 443);
	assert_int_equal(b.ports[2], 8080);
	assert_true(b.warm);
	assert_int_equal(b.max_wait_ms, 1500);
	assert_false(b.console);
}

/*
 * type=pv, cpuid= and stop=suspend are x86 Xen's: libxl on ARM would
 * make a PV guest PVH and ignore a CPUID policy, and cannot save a
 * domain, so a jitsud built for ARM refuses them.
 */
static void
test_x86_keys_are_refused_on_arm(void **state)
{
	(void)state;
	if (JITSUD_X86) {
		parse_ok("kernel=/k ip=10.0.0.1 type=pv cpuid=host "
			 "stop=suspend");
		return;
	}
	assert_int_equal(reparse(&b, OWNER,
			     "kernel=/k ip=10.0.0.1 stop=suspend", err,
			     sizeof(err)),
	    -1);
	assert_string_equal(err,
	    "stop: suspend is x86 only (Xen on ARM cannot save a domain)");
	assert_int_equal(reparse(&b, OWNER, "kernel=/k ip=10.0.0.1 type=pv",
			     err, sizeof(err)),
	    -1);
	assert_string_equal(err, "type: pv is x86 only (an ARM guest is pvh)");
	assert_int_equal(reparse(&b, OWNER, "kernel=/k ip=10.0.0.1 cpuid=host",
			     err, sizeof(err)),
	    -1);
	assert_string_equal(err, "cpuid: x86 only (libxl on ARM ignores it)");
	parse_ok("kernel=/k ip=10.0.0.1 type=pvh");
}

static void
test_ip6_alone_is_enough(void **state)
{
	(void)state;
	parse_ok("kernel=/k ip6=fd00::1");
	assert_false(b.has_ip);
	assert_true(b.has_ip6);
}

static void
test_memory_units(void **state)
{
	static const struct {
		const char *v;
		uint64_t    kb;
	} t[] = {
		{ "512K", 512 },
		{ "1024k", 1024 },
		{ "8M", 8192 },
		{ "8m", 8192 },
		{ "32", 32768 },
		{ "1G", 1048576 },
		{ "2g", 2097152 },
		{ "64G", 64ULL << 20 },
		{ "1M", 1024 },
		{ "1028K", 1028 },
		{ "256K", 256 },
	};
	char   line[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(line, sizeof(line), BASE "memory=%s", t[i].v);
		parse_ok(line);
		assert_int_equal(b.memory_kb, t[i].kb);
	}
}

static void
test_durations_and_units(void **state)
{
	static const struct {
		const char *v;
		uint32_t    ms;
	} t[] = {
		{ "0", 0 },
		{ "0s", 0 },
		{ "45", 45000 },
		{ "120s", 120000 },
		{ "5m", 300000 },
		{ "1h", 3600000 },
		{ "250ms", 250 },
		{ "7d", 604800000 },
	};
	char   line[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(line, sizeof(line), BASE "idle=%s", t[i].v);
		parse_ok(line);
		assert_int_equal(b.idle_ms, t[i].ms);
	}
	parse_ok(BASE "max-wait=0");
	assert_int_equal(b.max_wait_ms, 0);
	parse_ok(BASE "max-wait=30s max-boot=10m");
	assert_int_equal(b.max_wait_ms, 30000);
	assert_int_equal(b.max_boot_ms, 600000);
}

static void
test_stop_and_ready_modes(void **state)
{
	(void)state;
	parse_ok(BASE "stop=destroy");
	assert_int_equal(b.stop, BINDING_STOP_DESTROY);
	parse_ok(BASE "stop=shutdown");
	assert_int_equal(b.stop, BINDING_STOP_SHUTDOWN);
	parse_ok(BASE "stop=pause");
	assert_int_equal(b.stop, BINDING_STOP_PAUSE);
	parse_ok(BASE "ready=xenstore");
	assert_int_equal(b.ready, BINDING_READY_XENSTORE);
	parse_ok(BASE "ready=delay:1500ms");
	assert_int_equal(b.ready, BINDING_READY_DELAY);
	assert_int_equal(b.ready_delay_ms, 1500);
	parse_ok(BASE "ready=tcp:65535");
	assert_int_equal(b.ready_port, 65535);
	parse_ok(BASE "type=pvh synjitsu=on warm=off");
	assert_int_equal(b.type, BINDING_TYPE_PVH);
	assert_true(b.synjitsu);
	assert_false(b.warm);
}

static void
test_quoting_and_blanks(void **state)
{
	(void)state;
	parse_ok("  kernel=/k\tip=10.1.1.1   "
		 "cmdline=\"say \\\"hi\\\" \\\\ x\"  ");
	assert_string_equal(b.cmdline, "say \"hi\" \\ x");
	parse_ok(BASE "cmdline=\"\"");
	assert_null(b.cmdline);
	parse_ok("kernel=\"/path with/spaces.xen\" ip=10.1.1.1");
	assert_string_equal(b.kernel, "/path with/spaces.xen");
	parse_ok(BASE "bridge=\"br-x\"");
	assert_string_equal(b.bridge, "br-x");
	parse_ok(BASE "ports=1,65535");
	assert_int_equal(b.nports, 2);
}

static void
test_long_values_up_to_the_limit(void **state)
{
	char line[BINDING_CMDLINE_MAX + 64];
	char fifteen[] = "abcdefghijklmno";

	(void)state;
	snprintf(line, sizeof(line), BASE "cmdline=%0*d",
	    BINDING_CMDLINE_MAX - 1, 7);
	parse_ok(line);
	assert_int_equal(strlen(b.cmdline), BINDING_CMDLINE_MAX - 1);
	snprintf(line, sizeof(line), BASE "bridge=%s", fifteen);
	parse_ok(line);
	assert_string_equal(b.bridge, fifteen);
}

static void
test_derived_mac_is_stable_and_case_blind(void **state)
{
	uint8_t m1[6], m2[6], m3[6], m4[6];

	(void)state;
	binding_derive_mac("www.example.org.", m1);
	binding_derive_mac("WWW.Example.ORG", m2);
	binding_derive_mac("blog.example.org.", m3);
	binding_derive_mac("www.example.org.", m4);
	assert_memory_equal(m1, m2, 6);
	assert_memory_equal(m1, m4, 6);
	assert_memory_not_equal(m1, m3, 6);
	assert_int_equal(m1[0], 0x00);
	assert_int_equal(m1[1], 0x16);
	assert_int_equal(m1[2], 0x3e);
	/* FNV-1a of "www.example.org" is 0xab4789b8: pin the derivation so
	 * a change that would renumber every guest's MAC fails here. */
	assert_int_equal(m1[3], 0x47);
	assert_int_equal(m1[4], 0x89);
	assert_int_equal(m1[5], 0xb8);
}

static const struct {
	const char *rdata;
	const char *error;
} bad[] = {
	{ "", "missing required key 'kernel'" },
	{ "ip=10.0.0.1", "missing required key 'kernel'" },
	{ "kernel=/k",
	    "missing ip or ip6: the name needs an address to "
	    "answer with" },
	{ BASE "colour=red", "unknown key 'colour'" },
	{ BASE "averyveryverylongkey=1", "unknown key 'averyveryverylongkey'" },
	{ BASE "kernel=/other", "duplicate key 'kernel'" },
	{ BASE "ip=10.0.0.2", "duplicate key 'ip'" },
	{ BASE "memory", "'memory' is not key=value" },
	{ BASE "=8M", "'=' without a key" },
	{ BASE "memory=", "memory: empty value" },
	{ BASE "cmdline=\"abc", "cmdline: unterminated quoted value" },
	{ BASE "cmdline=\"abc\\\"", "cmdline: unterminated quoted value" },
	{ BASE "cmdline=\"a\"b", "cmdline: text after the closing quote" },
	{ BASE "cmdline=a\"b\"",
	    "cmdline: stray quote; quote the whole "
	    "value" },
	{ "kernel=k.xen ip=10.0.0.1",
	    "kernel: 'k.xen' is not an absolute "
	    "path" },
	{ BASE "ramdisk=initrd", "ramdisk: 'initrd' is not an absolute path" },
	{ BASE "cpuid=\"\"", "cpuid: empty" },
	{ BASE "type=hvm", "type: 'hvm' is not pvh or pv" },
	{ BASE "type=PVH", "type: 'PVH' is not pvh or pv" },
	{ BASE "memory=8X",
	    "memory: '8X' is not a size like 512K, 16M or "
	    "1G" },
	{ BASE "memory=M", "memory: 'M' is not a size like 512K, 16M or 1G" },
	{ BASE "memory=-8M",
	    "memory: '-8M' is not a size like 512K, 16M or "
	    "1G" },
	{ BASE "memory=8MB",
	    "memory: '8MB' is not a size like 512K, 16M or "
	    "1G" },
	{ BASE "memory=0", "memory: '0' is out of range 256K-64G" },
	{ BASE "memory=252K", "memory: '252K' is out of range 256K-64G" },
	{ BASE "memory=65G", "memory: '65G' is out of range 256K-64G" },
	{ BASE "memory=99999999999999999999G",
	    "memory: "
	    "'99999999999999999999G' is not a size like 512K, 16M or 1G" },
	{ BASE "memory=18446744073709551615G",
	    "memory: "
	    "'18446744073709551615G' is out of range 256K-64G" },
	{ BASE "memory=1026K", "memory: '1026K' is not a multiple of 4K" },
	{ BASE "vcpus=0", "vcpus: '0' is out of range 1-128" },
	{ BASE "vcpus=129", "vcpus: '129' is out of range 1-128" },
	{ BASE "vcpus=two", "vcpus: 'two' is not a number" },
	{ BASE "vcpus=2x", "vcpus: '2x' is not a number" },
	{ "kernel=/k ip=10.0.0", "ip: '10.0.0' is not an IPv4 address" },
	{ "kernel=/k ip=10.0.0.256",
	    "ip: '10.0.0.256' is not an IPv4 "
	    "address" },
	{ "kernel=/k ip=fd00::1", "ip: 'fd00::1' is not an IPv4 address" },
	{ "kernel=/k ip=0.0.0.0",
	    "ip: '0.0.0.0' is not a unicast host "
	    "address" },
	{ "kernel=/k ip=224.0.0.1",
	    "ip: '224.0.0.1' is not a unicast host "
	    "address" },
	{ "kernel=/k ip=255.255.255.255",
	    "ip: '255.255.255.255' is not a "
	    "unicast host address" },
	{ "kernel=/k ip6=10.0.0.1",
	    "ip6: '10.0.0.1' is not an IPv6 "
	    "address" },
	{ "kernel=/k ip6=::", "ip6: '::' is not a unicast host address" },
	{ "kernel=/k ip6=ff02::1",
	    "ip6: 'ff02::1' is not a unicast host "
	    "address" },
	{ BASE "mac=00:16:3e:00:00",
	    "mac: '00:16:3e:00:00' is not a MAC "
	    "address like 00:16:3e:00:00:01" },
	{ BASE "mac=00-16-3e-00-00-01",
	    "mac: '00-16-3e-00-00-01' is not a "
	    "MAC address like 00:16:3e:00:00:01" },
	{ BASE "mac=00:16:3e:00:00:0g",
	    "mac: '00:16:3e:00:00:0g' is not a "
	    "MAC address like 00:16:3e:00:00:01" },
	{ BASE "mac=01:16:3e:00:00:01",
	    "mac: '01:16:3e:00:00:01' is a "
	    "multicast address" },
	{ BASE "bridge=abcdefghijklmnop",
	    "bridge: 'abcdefghijklmnop' is "
	    "longer than 15 characters" },
	{ BASE "bridge=br/0",
	    "bridge: 'br/0' is not a valid interface "
	    "name" },
	{ BASE "bridge=br:0",
	    "bridge: 'br:0' is not a valid interface "
	    "name" },
	{ BASE "bridge=..", "bridge: '..' is not a valid interface name" },
	{ BASE "bridge=\"br 0\"",
	    "bridge: 'br 0' is not a valid interface "
	    "name" },
	{ BASE "bridge=\"\"", "bridge: '' is not a valid interface name" },
	{ BASE "idle=5x",
	    "idle: '5x' is not a duration like 500ms, 30s, 5m "
	    "or 1h" },
	{ BASE "idle=m",
	    "idle: 'm' is not a duration like 500ms, 30s, 5m or "
	    "1h" },
	{ BASE "idle=1.5m",
	    "idle: '1.5m' is not a duration like 500ms, 30s, "
	    "5m or 1h" },
	{ BASE "idle=8d", "idle: '8d' is out of range 0-7d" },
	{ BASE "idle=99999999999999999d",
	    "idle: '99999999999999999d' is out "
	    "of range 0-7d" },
	{ BASE "stop=kill",
	    "stop: 'kill' is not destroy, shutdown, suspend "
	    "or pause" },
	{ BASE "ready=ping",
	    "ready: 'ping' is not xenstore, tcp:PORT or "
	    "delay:DURATION" },
	{ BASE "ready=tcp:", "ready: '' is not a port number" },
	{ BASE "ready=tcp:http", "ready: 'http' is not a port number" },
	{ BASE "ready=tcp:0", "ready: port '0' is out of range 1-65535" },
	{ BASE "ready=tcp:65536",
	    "ready: port '65536' is out of range "
	    "1-65535" },
	{ BASE "ready=delay:soon",
	    "ready: 'soon' is not a duration like "
	    "500ms, 30s, 5m or 1h" },
	{ BASE "ready=delay:11m", "ready: '11m' is out of range 0-10m" },
	{ BASE "ready=delay:10s",
	    "ready: delay of 10000ms is not shorter "
	    "than max-boot of 10000ms" },
	{ BASE "ready=delay:5s max-boot=2s",
	    "ready: delay of 5000ms is not "
	    "shorter than max-boot of 2000ms" },
	{ BASE "max-boot=0", "max-boot: must be more than 0" },
	{ BASE "max-boot=11m", "max-boot: '11m' is out of range 0-10m" },
	{ BASE "synjitsu=yes", "synjitsu: 'yes' is not on or off" },
	{ BASE "console=none", "console: 'none' is not on or off" },
	{ BASE "warm=1", "warm: '1' is not on or off" },
	{ BASE "ports=80,,443", "ports: '' is not a port number" },
	{ BASE "ports=80,", "ports: '' is not a port number" },
	{ BASE "ports=http", "ports: 'http' is not a port number" },
	{ BASE "ports=123456789", "ports: '123456789' is not a port number" },
	{ BASE "ports=0", "ports: '0' is out of range 1-65535" },
	{ BASE "ports=70000", "ports: '70000' is out of range 1-65535" },
	{ BASE "ports=80,443,80", "ports: 80 is listed twice" },
	{ BASE "ports=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17",
	    "ports: more than 16 ports" },
	{ BASE "max-wait=31s", "max-wait: '31s' is out of range 0-30s" },
	{ BASE "conduit=under_score",
	    "conduit: 'under_score' is not a name of letters, digits and "
	    "hyphens" },
	{ BASE "conduit=a,,b",
	    "conduit: '' is not a name of letters, digits and hyphens" },
	{ BASE "conduit=a,",
	    "conduit: '' is not a name of letters, digits and hyphens" },
	{ BASE "conduit=.",
	    "conduit: '.' is not a name of letters, digits and hyphens" },
	{ BASE "conduit=a..b",
	    "conduit: 'a..b' is not a name of letters, digits and hyphens" },
	{ BASE "conduit=-a",
	    "conduit: '-a' is not a name of letters, digits and hyphens" },
	{ BASE "conduit=a-.b",
	    "conduit: 'a-.b' is not a name of letters, digits and hyphens" },
	{ BASE "conduit=@@",
	    "conduit: '@@' is not a name of letters, digits and hyphens" },
	{ BASE
	    "conduit=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "conduit: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is not a name of letters, digits and hyphens" },
	{ BASE "conduit=echo,Echo", "conduit: 'Echo' is listed twice" },
	{ BASE "conduit=a,b,c,d,e,f,g,h,i", "conduit: more than 8 names" },
	{ BASE "max-wait=fast",
	    "max-wait: 'fast' is not a duration like "
	    "500ms, 30s, 5m or 1h" },
};

static void
test_every_error_has_its_exact_message(void **state)
{
	size_t i;
	int    failed = 0;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(err, 0, sizeof(err));
		if (reparse(&b, OWNER, bad[i].rdata, err, sizeof(err)) != -1) {
			print_error("accepted: \"%s\"\n", bad[i].rdata);
			failed = 1;
		} else if (strcmp(err, bad[i].error) != 0) {
			print_error("rdata: \"%s\"\n  expected: %s\n"
				    "  got:      %s\n",
			    bad[i].rdata, bad[i].error, err);
			failed = 1;
		}
	}
	assert_false(failed);
}

/* conduit= keeps its names as written, lower-cased: zone_read.c makes
 * them absolute.  The longest label and name pass. */
static void
test_conduit_names_are_kept_lower_cased(void **state)
{
	char line[512], name[300];

	(void)state;
	parse_ok(BASE);
	assert_null(b.conduit);
	parse_ok(BASE "conduit=Echo,store.Example.org.,@,x-1.y2");
	assert_string_equal(b.conduit, "echo,store.example.org.,@,x-1.y2");
	/* 3 labels of 63, one of 61: 253 characters, and the final dot */
	snprintf(name, sizeof(name), "%063d.%063d.%063d.%061d.", 1, 2, 3, 4);
	snprintf(line, sizeof(line), BASE "conduit=%s", name);
	parse_ok(line);
	assert_string_equal(b.conduit, name);
	snprintf(name, sizeof(name), "%063d.%063d.%063d.%062d", 1, 2, 3, 4);
	snprintf(line, sizeof(line), BASE "conduit=%s", name);
	assert_int_equal(reparse(&b, OWNER, line, err, sizeof(err)), -1);
	assert_string_equal(err,
	    "conduit: '00000000000000000000...' is longer than 253 "
	    "characters");
	parse_ok(BASE "conduit=a,b,c,d,e,f,g,h");
	assert_string_equal(b.conduit, "a,b,c,d,e,f,g,h");
}

static void
test_overlong_values_are_refused(void **state)
{
	char line[BINDING_CMDLINE_MAX + 64];

	(void)state;
	snprintf(line, sizeof(line), BASE "cmdline=%0*d", BINDING_CMDLINE_MAX,
	    7);
	assert_int_equal(reparse(&b, OWNER, line, err, sizeof(err)), -1);
	assert_string_equal(err, "cmdline: value longer than 1023 characters");
	snprintf(line, sizeof(line), BASE "cmdline=\"%0*d\"",
	    BINDING_CMDLINE_MAX, 7);
	assert_int_equal(reparse(&b, OWNER, line, err, sizeof(err)), -1);
	assert_string_equal(err, "cmdline: value longer than 1023 characters");
}

static void
test_overlong_owner_is_refused(void **state)
{
	char owner[BINDING_NAME_MAX + 1];

	(void)state;
	memset(owner, 'a', sizeof(owner) - 1);
	owner[sizeof(owner) - 1] = '\0';
	assert_int_equal(reparse(&b, owner, BASE, err, sizeof(err)), -1);
	assert_string_equal(err, "owner name is too long");
}

/* A short error buffer truncates the message but never overruns. */
static void
test_error_buffer_is_respected(void **state)
{
	char small[8];

	(void)state;
	memset(small, 'x', sizeof(small));
	assert_int_equal(reparse(&b, OWNER, BASE "colour=red", small,
			     sizeof(small)),
	    -1);
	assert_string_equal(small, "unknown");
}

/* A copy owns its strings: changing or freeing one leaves the other. */
static void
test_copies_own_their_strings(void **state)
{
	struct binding c;

	(void)state;
	parse_ok(BASE "cmdline=-v ramdisk=/r conduit=kv" X86_KEYS);
	assert_int_equal(binding_set(&b.file, "inc.zone"), 0);
	assert_int_equal(binding_copy(&c, &b), 0);
	assert_ptr_not_equal(c.conduit, b.conduit);
	assert_string_equal(c.conduit, "kv");
	assert_ptr_not_equal(c.file, b.file);
	assert_int_equal(binding_set(&c.conduit, "kv2"), 0);
	assert_false(binding_same(&c, &b));
	assert_int_equal(binding_set(&c.conduit, "kv"), 0);
	assert_int_equal(binding_set(&c.file, NULL), 0); /* moved: the same */
	assert_true(binding_same(&c, &b));
	assert_true(binding_same(&c, &b));
	assert_ptr_not_equal(c.kernel, b.kernel);
	assert_string_equal(c.kernel, "/k.xen");
	assert_string_equal(c.cmdline, "-v");
	assert_int_equal(binding_set(&c.cmdline, "-q"), 0);
	assert_false(binding_same(&c, &b));
	assert_string_equal(b.cmdline, "-v");
	assert_int_equal(binding_set(&c.cmdline, "-v"), 0);
	c.line = b.line + 3; /* moved in the file: the same guest */
	assert_true(binding_same(&c, &b));
	assert_int_equal(binding_set(&c.ramdisk, ""), 0);
	assert_null(c.ramdisk);
	assert_false(binding_same(&c, &b));
	binding_clear(&c);
	assert_null(c.kernel);
	assert_string_equal(b.kernel, "/k.xen");
	binding_clear(&c); /* twice is harmless */
}

/* A failed parse leaves nothing to free, whatever it had read. */
static void
test_failed_parse_holds_no_strings(void **state)
{
	(void)state;
	assert_int_equal(
	    reparse(&b, OWNER,
		"kernel=/k cmdline=x cpuid=host ip=10.0.0.1 oops=1", err,
		sizeof(err)),
	    -1);
	assert_null(b.kernel);
	assert_null(b.cmdline);
	assert_null(b.cpuid);
}

static int
group_teardown(void **state)
{
	(void)state;
	binding_clear(&b);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_line_gets_every_default),
		cmocka_unit_test(test_every_key_is_parsed),
		cmocka_unit_test(test_x86_keys_are_refused_on_arm),
		cmocka_unit_test(test_ip6_alone_is_enough),
		cmocka_unit_test(test_memory_units),
		cmocka_unit_test(test_durations_and_units),
		cmocka_unit_test(test_stop_and_ready_modes),
		cmocka_unit_test(test_quoting_and_blanks),
		cmocka_unit_test(test_long_values_up_to_the_limit),
		cmocka_unit_test(test_derived_mac_is_stable_and_case_blind),
		cmocka_unit_test(test_every_error_has_its_exact_message),
		cmocka_unit_test(test_conduit_names_are_kept_lower_cased),
		cmocka_unit_test(test_overlong_values_are_refused),
		cmocka_unit_test(test_overlong_owner_is_refused),
		cmocka_unit_test(test_error_buffer_is_respected),
		cmocka_unit_test(test_copies_own_their_strings),
		cmocka_unit_test(test_failed_parse_holds_no_strings),
	};

	return cmocka_run_group_tests(tests, NULL, group_teardown);
}
