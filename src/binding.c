/* binding.c -- parse the key=value rdata of a UNIKERNEL zone line */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conduit.h"
#include "jitsud.h"

#define KEY_MAX	  16		      /* longer than any key we know */
#define VALUE_MAX BINDING_CMDLINE_MAX /* the longest value we take */

#define MS_PER_S      1000ULL
#define MEMORY_MIN_KB 256ULL
#define MEMORY_MAX_KB (64ULL << 20) /* 64G */
#define VCPUS_MAX     128
#define IDLE_MAX_MS   (7ULL * 86400 * MS_PER_S)
#define BOOT_MAX_MS   (600ULL * MS_PER_S)
#define WAIT_MAX_MS   (30ULL * MS_PER_S)

typedef int (*parse_fn)(struct binding *, const char *, char *, size_t);

struct keyword {
	const char *key;
	parse_fn    parse;
};

static int fail(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Format an error into err and return -1, so parsers can `return fail()'. */
static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Copy src into dst[dstlen]; -1 (and a truncated copy) if it did not fit. */
static int
copy_str(char *dst, size_t dstlen, const char *src)
{
	size_t n = strlen(src);

	if (n >= dstlen) {
		memcpy(dst, src, dstlen - 1);
		dst[dstlen - 1] = '\0';
		return -1;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Parse decimal digits at s into *out, stopping at the first non-digit
 * (returned in *end).  -1 when there is no digit or the value overflows.
 */
static int
parse_u64(const char *s, const char **end, uint64_t *out)
{
	uint64_t    n = 0, d;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		d = (uint64_t)(*p - '0');
		if (n > (UINT64_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*end = p;
	*out = n;
	return p == s ? -1 : 0;
}

/* A whole string that is a decimal number, nothing after it. */
static int
parse_number(const char *s, uint64_t *out)
{
	const char *end;

	if (parse_u64(s, &end, out) == -1 || *end != '\0')
		return -1;
	return 0;
}

/*
 * A duration: a number and a unit (ms, s, m, h, d), a bare number being
 * seconds.  Huge values saturate so the caller reports them as out of
 * range rather than as a syntax error.
 */
static int
parse_duration(const char *s, uint64_t *ms)
{
	static const struct {
		const char *unit;
		uint64_t    ms;
	} units[] = {
		{ "", MS_PER_S },
		{ "ms", 1 },
		{ "s", MS_PER_S },
		{ "m", 60 * MS_PER_S },
		{ "h", 3600 * MS_PER_S },
		{ "d", 86400 * MS_PER_S },
	};
	const char *end;
	uint64_t    n;
	size_t	    i;

	if (parse_u64(s, &end, &n) == -1)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		*ms = n > UINT64_MAX / units[i].ms ? UINT64_MAX :
						     n * units[i].ms;
		return 0;
	}
	return -1;
}

/* A duration for `key' within [0, max] milliseconds. */
static int
parse_duration_key(const char *key, const char *v, uint64_t max,
    const char *maxstr, uint32_t *out, char *err, size_t errlen)
{
	uint64_t ms;

	if (parse_duration(v, &ms) == -1)
		return fail(err, errlen,
		    "%s: '%s' is not a duration like 500ms, 30s, 5m or 1h", key,
		    v);
	if (ms > max)
		return fail(err, errlen, "%s: '%s' is out of range 0-%s", key,
		    v, maxstr);
	*out = (uint32_t)ms;
	return 0;
}

/* A TCP port: 0 ok, -1 not a number, -2 out of range. */
static int
parse_port(const char *s, uint16_t *port)
{
	uint64_t n;

	if (parse_number(s, &n) == -1)
		return -1;
	if (n < 1 || n > 65535)
		return -2;
	*port = (uint16_t)n;
	return 0;
}

static int
parse_onoff(const char *key, const char *v, int *out, char *err, size_t errlen)
{
	if (strcmp(v, "on") == 0)
		*out = 1;
	else if (strcmp(v, "off") == 0)
		*out = 0;
	else
		return fail(err, errlen, "%s: '%s' is not on or off", key, v);
	return 0;
}

/* A string key's value into *field: shorter than max, else an error. */
static int
parse_string(char **field, const char *key, const char *v, size_t max,
    char *err, size_t errlen)
{
	if (strlen(v) >= max)
		return fail(err, errlen, "%s: longer than %zu characters", key,
		    max - 1);
	if (binding_set(field, v) == -1)
		return fail(err, errlen, "out of memory");
	return 0;
}

/* Relative paths would depend on the daemon's working directory. */
static int
parse_path(char **field, const char *key, const char *v, char *err,
    size_t errlen)
{
	if (v[0] != '/')
		return fail(err, errlen, "%s: '%s' is not an absolute path",
		    key, v);
	return parse_string(field, key, v, BINDING_KERNEL_MAX, err, errlen);
}

static int
parse_kernel(struct binding *b, const char *v, char *err, size_t errlen)
{
	return parse_path(&b->kernel, "kernel", v, err, errlen);
}

/* An initrd, for guests that need one (the Linux baseline does). */
static int
parse_ramdisk(struct binding *b, const char *v, char *err, size_t errlen)
{
	return parse_path(&b->ramdisk, "ramdisk", v, err, errlen);
}

/* Passed to libxl as xl.cfg's cpuid= (libxl checks the syntax). */
static int
parse_cpuid(struct binding *b, const char *v, char *err, size_t errlen)
{
	if (v[0] == '\0')
		return fail(err, errlen, "cpuid: empty");
	if (!JITSUD_X86)
		return fail(err, errlen,
		    "cpuid: x86 only (libxl on ARM ignores it)");
	return parse_string(&b->cpuid, "cpuid", v, BINDING_CPUID_MAX, err,
	    errlen);
}

static int
parse_type(struct binding *b, const char *v, char *err, size_t errlen)
{
	if (strcmp(v, "pvh") == 0)
		b->type = BINDING_TYPE_PVH;
	else if (strcmp(v, "pv") == 0 && !JITSUD_X86)
		return fail(err, errlen,
		    "type: pv is x86 only (an ARM guest is pvh)");
	else if (strcmp(v, "pv") == 0)
		b->type = BINDING_TYPE_PV;
	else
		return fail(err, errlen, "type: '%s' is not pvh or pv", v);
	return 0;
}

/*
 * Memory with a K, M or G suffix (binary units, as xl uses); a bare
 * number is megabytes, as in an xl domain config.  Xen hands out whole
 * 4K pages, so anything else would be silently rounded: refuse it.
 */
static int
parse_memory(struct binding *b, const char *v, char *err, size_t errlen)
{
	const char *end;
	uint64_t    n, shift;

	if (parse_u64(v, &end, &n) == -1)
		goto bad;
	if (strcmp(end, "K") == 0 || strcmp(end, "k") == 0)
		shift = 0;
	else if (strcmp(end, "M") == 0 || strcmp(end, "m") == 0 || *end == '\0')
		shift = 10;
	else if (strcmp(end, "G") == 0 || strcmp(end, "g") == 0)
		shift = 20;
	else
		goto bad;
	if (n > (MEMORY_MAX_KB >> shift) || (n << shift) < MEMORY_MIN_KB)
		return fail(err, errlen,
		    "memory: '%s' is out of range 256K-64G", v);
	if ((n << shift) % 4 != 0)
		return fail(err, errlen, "memory: '%s' is not a multiple of 4K",
		    v);
	b->memory_kb = n << shift;
	return 0;
bad:
	return fail(err, errlen,
	    "memory: '%s' is not a size like 512K, 16M or 1G", v);
}

static int
parse_vcpus(struct binding *b, const char *v, char *err, size_t errlen)
{
	uint64_t n;

	if (parse_number(v, &n) == -1)
		return fail(err, errlen, "vcpus: '%s' is not a number", v);
	if (n < 1 || n > VCPUS_MAX)
		return fail(err, errlen, "vcpus: '%s' is out of range 1-%d", v,
		    VCPUS_MAX);
	b->vcpus = (unsigned int)n;
	return 0;
}

/* A guest address must be one a host can own: no 0/8, class D or E. */
static int
parse_ip(struct binding *b, const char *v, char *err, size_t errlen)
{
	uint32_t a;

	if (inet_pton(AF_INET, v, &b->ip) != 1)
		return fail(err, errlen, "ip: '%s' is not an IPv4 address", v);
	a = ntohl(b->ip.s_addr);
	if ((a >> 24) == 0 || (a >> 28) >= 0xe)
		return fail(err, errlen,
		    "ip: '%s' is not a unicast host address", v);
	b->has_ip = 1;
	return 0;
}

static int
parse_ip6(struct binding *b, const char *v, char *err, size_t errlen)
{
	static const struct in6_addr any = IN6ADDR_ANY_INIT;

	if (inet_pton(AF_INET6, v, &b->ip6) != 1)
		return fail(err, errlen, "ip6: '%s' is not an IPv6 address", v);
	if (memcmp(&b->ip6, &any, sizeof(any)) == 0 ||
	    b->ip6.s6_addr[0] == 0xff)
		return fail(err, errlen,
		    "ip6: '%s' is not a unicast host address", v);
	b->has_ip6 = 1;
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly six colon-separated pairs of hex digits. */
static int
parse_mac(struct binding *b, const char *v, char *err, size_t errlen)
{
	int i, hi, lo;

	if (strlen(v) != 17)
		goto bad;
	for (i = 0; i < 6; i++) {
		hi = hexval(v[i * 3]);
		lo = hexval(v[i * 3 + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && v[i * 3 + 2] != ':'))
			goto bad;
		b->mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (b->mac[0] & 1)
		return fail(err, errlen, "mac: '%s' is a multicast address", v);
	return 0;
bad:
	return fail(err, errlen,
	    "mac: '%s' is not a MAC address like 00:16:3e:00:00:01", v);
}

/* The rules Linux applies to interface names (dev_valid_name). */
static int
parse_bridge(struct binding *b, const char *v, char *err, size_t errlen)
{
	size_t n = strlen(v);

	if (n >= sizeof(b->bridge))
		return fail(err, errlen,
		    "bridge: '%s' is longer than %zu characters", v,
		    sizeof(b->bridge) - 1);
	if (n == 0 || strcmp(v, ".") == 0 || strcmp(v, "..") == 0 ||
	    strpbrk(v, "/: \t") != NULL)
		return fail(err, errlen,
		    "bridge: '%s' is not a valid interface name", v);
	memcpy(b->bridge, v, n + 1);
	return 0;
}

static int
parse_cmdline(struct binding *b, const char *v, char *err, size_t errlen)
{
	return parse_string(&b->cmdline, "cmdline", v, BINDING_CMDLINE_MAX, err,
	    errlen);
}

static int
parse_idle(struct binding *b, const char *v, char *err, size_t errlen)
{
	return parse_duration_key("idle", v, IDLE_MAX_MS, "7d", &b->idle_ms,
	    err, errlen);
}

static int
parse_stop(struct binding *b, const char *v, char *err, size_t errlen)
{
	static const char *const modes[] = {
		[BINDING_STOP_DESTROY] = "destroy",
		[BINDING_STOP_SHUTDOWN] = "shutdown",
		[BINDING_STOP_SUSPEND] = "suspend",
		[BINDING_STOP_PAUSE] = "pause",
	};
	size_t i;

	/* Xen on ARM cannot save a domain: its libxenguest's
	 * xc_domain_save fails with ENOSYS. */
	if (strcmp(v, "suspend") == 0 && !JITSUD_X86)
		return fail(err, errlen,
		    "stop: suspend is x86 only (Xen on ARM cannot save a "
		    "domain)");
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(v, modes[i]) == 0) {
			b->stop = (enum binding_stop)i;
			return 0;
		}
	}
	return fail(err, errlen,
	    "stop: '%s' is not destroy, shutdown, suspend or pause", v);
}

static int
parse_ready(struct binding *b, const char *v, char *err, size_t errlen)
{
	int r;

	if (strcmp(v, "xenstore") == 0) {
		b->ready = BINDING_READY_XENSTORE;
		return 0;
	}
	if (strncmp(v, "tcp:", 4) == 0) {
		b->ready = BINDING_READY_TCP;
		if ((r = parse_port(v + 4, &b->ready_port)) == -2)
			return fail(err, errlen,
			    "ready: port '%s' is out of range 1-65535", v + 4);
		if (r == -1)
			return fail(err, errlen,
			    "ready: '%s' is not a port number", v + 4);
		return 0;
	}
	if (strncmp(v, "delay:", 6) == 0) {
		b->ready = BINDING_READY_DELAY;
		return parse_duration_key("ready", v + 6, BOOT_MAX_MS, "10m",
		    &b->ready_delay_ms, err, errlen);
	}
	return fail(err, errlen,
	    "ready: '%s' is not xenstore, tcp:PORT or delay:DURATION", v);
}

/* A guest that is not up within max-boot has failed; 0 makes no sense. */
static int
parse_max_boot(struct binding *b, const char *v, char *err, size_t errlen)
{
	if (parse_duration_key("max-boot", v, BOOT_MAX_MS, "10m",
		&b->max_boot_ms, err, errlen) == -1)
		return -1;
	if (b->max_boot_ms == 0)
		return fail(err, errlen, "max-boot: must be more than 0");
	return 0;
}

static int
parse_synjitsu(struct binding *b, const char *v, char *err, size_t errlen)
{
	return parse_onoff("synjitsu", v, &b->synjitsu, err, errlen);
}

static int
parse_console(struct binding *b, const char *v, char *err, size_t errlen)
{
	return parse_onoff("console", v, &b->console, err, errlen);
}

/* One port of the ports= list, at most `n' characters long. */
static int
parse_port_item(struct binding *b, const char *s, size_t n, char *err,
    size_t errlen)
{
	char	 buf[8];
	uint16_t port;
	size_t	 i;
	int	 r = -1;

	if (n > 0 && n < sizeof(buf)) {
		memcpy(buf, s, n);
		buf[n] = '\0';
		r = parse_port(buf, &port);
	}
	if (r == -1)
		return fail(err, errlen, "ports: '%.*s' is not a port number",
		    (int)n, s);
	if (r == -2)
		return fail(err, errlen, "ports: '%s' is out of range 1-65535",
		    buf);
	for (i = 0; i < b->nports; i++)
		if (b->ports[i] == port)
			return fail(err, errlen, "ports: %u is listed twice",
			    port);
	if (b->nports == BINDING_PORTS_MAX)
		return fail(err, errlen, "ports: more than %d ports",
		    BINDING_PORTS_MAX);
	b->ports[b->nports++] = port;
	return 0;
}

static int
parse_ports(struct binding *b, const char *v, char *err, size_t errlen)
{
	const char *comma;

	b->nports = 0;
	for (;;) {
		comma = strchr(v, ',');
		if (parse_port_item(b, v,
			comma ? (size_t)(comma - v) : strlen(v), err,
			errlen) == -1)
			return -1;
		if (comma == NULL)
			return 0;
		v = comma + 1;
	}
}

/*
 * One name of the conduit= list: '@' or a conduit name (conduit(7)),
 * relative to the origin or absolute; zone_read.c makes it absolute.
 * Appended to *list lower-cased, comma-separated.
 */
static int
parse_conduit_item(char *list, size_t *len, const char *s, size_t n, char *err,
    size_t errlen)
{
	char canon[CONDUIT_NAME_MAX + 1];

	if (n - (n > 0 && s[n - 1] == '.') > CONDUIT_NAME_MAX)
		return fail(err, errlen,
		    "conduit: '%.20s...' is longer than %d characters", s,
		    CONDUIT_NAME_MAX);
	if (!(n == 1 && s[0] == '@') && conduit_name(s, n, canon) == -1)
		return fail(err, errlen,
		    "conduit: '%.*s' is not a name of letters, digits and "
		    "hyphens",
		    (int)n, s);
	if (*len > 0)
		list[(*len)++] = ',';
	for (; n > 0; n--, s++)
		list[(*len)++] = (char)tolower((unsigned char)*s);
	list[*len] = '\0';
	return 0;
}

/* Is the name `s' (n bytes) already in the comma-separated list? */
static int
conduit_listed(const char *list, const char *s, size_t n)
{
	const char *p = list;
	size_t	    m;

	while (*p != '\0') {
		m = strcspn(p, ",");
		if (m == n && strncasecmp(p, s, n) == 0)
			return 1;
		p += m + (p[m] == ',');
	}
	return 0;
}

static int
parse_conduit(struct binding *b, const char *v, char *err, size_t errlen)
{
	char	    list[VALUE_MAX];
	const char *p = v;
	size_t	    n, len = 0, count = 0;

	list[0] = '\0';
	for (;;) {
		n = strcspn(p, ",");
		if (conduit_listed(list, p, n))
			return fail(err, errlen,
			    "conduit: '%.*s' is listed twice", (int)n, p);
		if (++count > BINDING_CONDUIT_MAX)
			return fail(err, errlen, "conduit: more than %d names",
			    BINDING_CONDUIT_MAX);
		if (parse_conduit_item(list, &len, p, n, err, errlen) == -1)
			return -1;
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	if (binding_set(&b->conduit, list) == -1)
		return fail(err, errlen, "out of memory");
	return 0;
}

static int
parse_warm(struct binding *b, const char *v, char *err, size_t errlen)
{
	return parse_onoff("warm", v, &b->warm, err, errlen);
}

static int
parse_max_wait(struct binding *b, const char *v, char *err, size_t errlen)
{
	return parse_duration_key("max-wait", v, WAIT_MAX_MS, "30s",
	    &b->max_wait_ms, err, errlen);
}

/* The order matters only for the `seen' bits in binding_parse. */
static const struct keyword keywords[] = {
	{ "kernel", parse_kernel },
	{ "type", parse_type },
	{ "memory", parse_memory },
	{ "vcpus", parse_vcpus },
	{ "ip", parse_ip },
	{ "ip6", parse_ip6 },
	{ "mac", parse_mac },
	{ "bridge", parse_bridge },
	{ "cmdline", parse_cmdline },
	{ "idle", parse_idle },
	{ "stop", parse_stop },
	{ "ready", parse_ready },
	{ "max-boot", parse_max_boot },
	{ "synjitsu", parse_synjitsu },
	{ "ports", parse_ports },
	{ "warm", parse_warm },
	{ "max-wait", parse_max_wait },
	{ "ramdisk", parse_ramdisk },
	{ "cpuid", parse_cpuid },
	{ "console", parse_console },
	{ "conduit", parse_conduit },
};
#define NKEYWORDS (sizeof(keywords) / sizeof(keywords[0]))
#define SEEN(k)	  (1U << (k))
#define KW_KERNEL 0
#define KW_MAC	  6

static int
keyword_find(const char *key)
{
	size_t i;

	for (i = 0; i < NKEYWORDS; i++)
		if (strcmp(keywords[i].key, key) == 0)
			return (int)i;
	return -1;
}

/*
 * A "quoted value": \" and \\ escape, and the closing quote must end the
 * token.  *p points just past the opening quote.
 */
static int
read_quoted(const char **p, const char *key, char *val, size_t vallen,
    char *err, size_t errlen)
{
	const char *s = *p;
	size_t	    n = 0;

	for (;;) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		else if (*s == '"')
			break;
		if (*s == '\0')
			return fail(err, errlen,
			    "%s: unterminated quoted value", key);
		if (n + 1 >= vallen)
			return fail(err, errlen,
			    "%s: value longer than %zu characters", key,
			    vallen - 1);
		val[n++] = *s++;
	}
	val[n] = '\0';
	s++;
	if (*s != '\0' && !is_blank(*s))
		return fail(err, errlen, "%s: text after the closing quote",
		    key);
	*p = s;
	return 0;
}

static int
read_bare(const char **p, const char *key, char *val, size_t vallen, char *err,
    size_t errlen)
{
	const char *s = *p;
	size_t	    n = 0;

	for (; *s != '\0' && !is_blank(*s); s++) {
		if (*s == '"')
			return fail(err, errlen,
			    "%s: stray quote; quote the whole value", key);
		if (n + 1 >= vallen)
			return fail(err, errlen,
			    "%s: value longer than %zu characters", key,
			    vallen - 1);
		val[n++] = *s;
	}
	if (n == 0)
		return fail(err, errlen, "%s: empty value", key);
	val[n] = '\0';
	*p = s;
	return 0;
}

/*
 * Split the next key=value token off *p.  Returns 1 with key and val
 * filled, 0 at the end of the text, -1 with err set.
 */
static int
next_token(const char **p, char *key, char *val, size_t vallen, char *err,
    size_t errlen)
{
	const char *s = *p;
	size_t	    n;
	int	    r;

	while (is_blank(*s))
		s++;
	if (*s == '\0')
		return 0;
	for (n = 0; s[n] != '\0' && s[n] != '=' && !is_blank(s[n]); n++)
		;
	if (s[n] != '=')
		return fail(err, errlen, "'%.*s' is not key=value", (int)n, s);
	if (n == 0)
		return fail(err, errlen, "'=' without a key");
	if (n >= KEY_MAX)
		return fail(err, errlen, "unknown key '%.*s'", (int)n, s);
	memcpy(key, s, n);
	key[n] = '\0';
	s += n + 1;
	*p = s;
	if (*s == '"') {
		(*p)++;
		r = read_quoted(p, key, val, vallen, err, errlen);
	} else
		r = read_bare(p, key, val, vallen, err, errlen);
	return r == -1 ? -1 : 1;
}

/* FNV-1a: small, well-mixed and stable across builds and hosts. */
void
binding_derive_mac(const char *owner, uint8_t mac[6])
{
	uint32_t h = 2166136261U;
	size_t	 n = strlen(owner);

	if (n > 0 && owner[n - 1] == '.')
		n--;
	while (n-- > 0) {
		h ^= (uint8_t)tolower((unsigned char)*owner++);
		h *= 16777619U;
	}
	mac[0] = 0x00;
	mac[1] = 0x16;
	mac[2] = 0x3e;
	mac[3] = (uint8_t)(h >> 16);
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}

static void
binding_defaults(struct binding *b)
{
	memset(b, 0, sizeof(*b));
	b->type = BINDING_TYPE_PVH;
	b->memory_kb = 16 * 1024;
	b->vcpus = 1;
	copy_str(b->bridge, sizeof(b->bridge), "br0");
	b->idle_ms = 300 * MS_PER_S;
	b->stop = BINDING_STOP_DESTROY;
	b->ready = BINDING_READY_XENSTORE;
	b->max_boot_ms = 10 * MS_PER_S;
	b->synjitsu = 1;
	b->console = 1;
	b->ports[0] = 80;
	b->nports = 1;
	b->max_wait_ms = 2 * MS_PER_S;
}

/* Rules that involve more than one key, checked once all are read. */
static int
binding_check(struct binding *b, unsigned int seen, char *err, size_t errlen)
{
	if (!(seen & SEEN(KW_KERNEL)))
		return fail(err, errlen, "missing required key 'kernel'");
	if (!b->has_ip && !b->has_ip6)
		return fail(err, errlen,
		    "missing ip or ip6: the name needs "
		    "an address to answer with");
	if (b->ready == BINDING_READY_DELAY &&
	    b->ready_delay_ms >= b->max_boot_ms)
		return fail(err, errlen,
		    "ready: delay of %ums is not shorter than max-boot of %ums",
		    b->ready_delay_ms, b->max_boot_ms);
	if (!(seen & SEEN(KW_MAC)))
		binding_derive_mac(b->name, b->mac);
	return 0;
}

static int
binding_parse_keys(struct binding *b, const char *owner, const char *rdata,
    char *err, size_t errlen)
{
	char	     key[KEY_MAX], val[VALUE_MAX];
	unsigned int seen = 0;
	int	     k, r;

	if (strlen(owner) >= BINDING_NAME_MAX)
		return fail(err, errlen, "owner name is too long");
	if (binding_set(&b->name, owner) == -1)
		return fail(err, errlen, "out of memory");
	while ((r = next_token(&rdata, key, val, sizeof(val), err, errlen)) ==
	    1) {
		if ((k = keyword_find(key)) == -1)
			return fail(err, errlen, "unknown key '%s'", key);
		if (seen & SEEN(k))
			return fail(err, errlen, "duplicate key '%s'", key);
		seen |= SEEN(k);
		if (keywords[k].parse(b, val, err, errlen) == -1)
			return -1;
	}
	if (r == -1)
		return -1;
	return binding_check(b, seen, err, errlen);
}

int
binding_parse(struct binding *b, const char *owner, const char *rdata,
    char *err, size_t errlen)
{
	binding_defaults(b);
	if (binding_parse_keys(b, owner, rdata, err, errlen) == -1) {
		binding_clear(b);
		return -1;
	}
	return 0;
}

int
binding_set(char **field, const char *v)
{
	char *copy = NULL;

	if (v != NULL && v[0] != '\0' && (copy = strdup(v)) == NULL)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

/* Every string of a binding, for copying, clearing and comparing. */
#define BINDING_STRINGS(b)                                                \
	{                                                                 \
		&(b)->name, &(b)->kernel, &(b)->ramdisk, &(b)->cpuid,     \
		    &(b)->cmdline, &(b)->kernel_copy, &(b)->ramdisk_copy, \
		    &(b)->conduit, &(b)->file                             \
	}
#define BINDING_NSTRINGS 9

int
binding_copy(struct binding *dst, const struct binding *src)
{
	char **f[] = BINDING_STRINGS(dst);
	char  *s;
	size_t i;

	*dst = *src;
	for (i = 0; i < BINDING_NSTRINGS; i++) {
		s = *f[i];
		*f[i] = NULL;
		if (s != NULL && (*f[i] = strdup(s)) == NULL) {
			binding_clear(dst);
			return -1;
		}
	}
	return 0;
}

void
binding_clear(struct binding *b)
{
	char **f[] = BINDING_STRINGS(b);
	size_t i;

	for (i = 0; i < BINDING_NSTRINGS; i++) {
		free(*f[i]);
		*f[i] = NULL;
	}
}

int
binding_same(const struct binding *a, const struct binding *b)
{
	struct binding ta, tb;
	char	     **fa[] = BINDING_STRINGS(&ta);
	char	     **fb[] = BINDING_STRINGS(&tb);
	size_t	       i;

	memcpy(&ta, a, sizeof(ta));
	memcpy(&tb, b, sizeof(tb));
	for (i = 0; i < BINDING_NSTRINGS; i++) {
		if (fa[i] != &ta.file &&
		    strcmp(binding_s(*fa[i]), binding_s(*fb[i])) != 0)
			return 0;
		*fa[i] = *fb[i] = NULL;
	}
	/* A line moved by an edit elsewhere in the file is not a change;
	 * nor is the same binding moved into an $INCLUDEd file. */
	tb.line = ta.line;
	return memcmp(&ta, &tb, sizeof(ta)) == 0;
}
