/* test_dns.c -- dns.c: golden query/answer files, malformed input, fuzz */
#include <arpa/inet.h>
#include <ctype.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "jitsud.h"

/*
 * Replies are checked as text: a small wire-to-text renderer below (no
 * ldns, so a bug shared with the zone parser cannot hide) prints every
 * section, and the golden files in tests/dns say what the text must be.
 * The renderer is strict, so the fuzz loop also uses it to prove that
 * every reply is a well-formed DNS message.
 */

#define TEXT_MAX 16384

static struct zone_set *zones;

/* --- building queries ------------------------------------------------ */

struct qopts {
	uint16_t id;
	uint16_t qclass;
	int	 rd, cd, tcp, opcode;
	int	 edns; /* payload size, 0 for no OPT */
	int	 edns_do;
	int	 edns_version;
};

static const struct {
	const char *name;
	uint16_t    type;
} types[] = {
	/* clang-format off */
	{ "A", 1 }, { "NS", 2 }, { "CNAME", 5 }, { "SOA", 6 }, { "PTR", 12 },
	{ "MX", 15 }, { "TXT", 16 }, { "AAAA", 28 }, { "SRV", 33 },
	{ "DNAME", 39 }, { "OPT", 41 }, { "DS", 43 }, { "CAA", 257 }, { "IXFR", 251 }, { "AXFR", 252 }, { "MAILB", 253 },
	{ "ANY", 255 },
	/* clang-format on */
};

static int
type_from_name(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(s, types[i].name) == 0)
			return types[i].type;
	if (strncasecmp(s, "TYPE", 4) == 0)
		return atoi(s + 4);
	return -1;
}

static const char *
type_to_name(uint16_t type, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return types[i].name;
	snprintf(buf, len, "TYPE%u", type);
	return buf;
}

static size_t
put_name(uint8_t *p, const char *name)
{
	size_t n = 0, len;

	if (strcmp(name, ".") == 0)
		name++;
	while (*name != '\0') {
		len = strcspn(name, ".");
		p[n++] = (uint8_t)len;
		memcpy(p + n, name, len);
		n += len;
		name += len + (name[len] == '.');
	}
	p[n++] = 0;
	return n;
}

static size_t
build_query(uint8_t *p, const char *name, uint16_t qtype, const struct qopts *o)
{
	size_t n = DNS_HEADER_LEN;

	memset(p, 0, DNS_HEADER_LEN);
	p[0] = (uint8_t)(o->id >> 8);
	p[1] = (uint8_t)o->id;
	p[2] = (uint8_t)(o->opcode << 3 | (o->rd ? 1 : 0));
	p[3] = o->cd ? 0x10 : 0;
	p[5] = 1;
	p[11] = o->edns ? 1 : 0;
	n += put_name(p + n, name);
	p[n++] = (uint8_t)(qtype >> 8);
	p[n++] = (uint8_t)qtype;
	p[n++] = (uint8_t)(o->qclass >> 8);
	p[n++] = (uint8_t)o->qclass;
	if (o->edns) {
		static const uint8_t opt[] = { 0, 0, 41 };

		memcpy(p + n, opt, 3);
		p[n + 3] = (uint8_t)(o->edns >> 8);
		p[n + 4] = (uint8_t)o->edns;
		p[n + 5] = 0;
		p[n + 6] = (uint8_t)o->edns_version;
		p[n + 7] = o->edns_do ? 0x80 : 0;
		p[n + 8] = p[n + 9] = p[n + 10] = 0;
		n += 11;
	}
	return n;
}

static void
default_opts(struct qopts *o)
{
	memset(o, 0, sizeof(*o));
	o->id = 0x1234;
	o->qclass = 1;
}

/* --- rendering replies as text --------------------------------------- */

struct text {
	char  *buf;
	size_t len, max;
};

static void tx(struct text *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
tx(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->max - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n < t->max - t->len ? (size_t)n :
							t->max - t->len - 1;
}

static uint16_t
g16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
g32(const uint8_t *p)
{
	return (uint32_t)g16(p) << 16 | g16(p + 2);
}

/*
 * Read the name at *off (updated past it), following pointers only
 * backwards, so a loop is impossible.  -1 on any malformation.
 */
static int
rd_name(const uint8_t *p, size_t len, size_t *off, struct text *t)
{
	size_t	o = *off, total = 0, i;
	int	jumped = 0, labels = 0;
	uint8_t c;

	for (;;) {
		if (o >= len)
			return -1;
		c = p[o];
		if ((c & 0xc0) == 0xc0) {
			size_t to;

			if (o + 1 >= len)
				return -1;
			to = (size_t)(c & 0x3f) << 8 | p[o + 1];
			if (to >= o)
				return -1;
			if (!jumped)
				*off = o + 2;
			jumped = 1;
			o = to;
			continue;
		}
		if (c > 63 || o + 1 + c > len || (total += c + 1) > 255)
			return -1;
		if (c == 0)
			break;
		for (i = 1; i <= c; i++) {
			uint8_t ch = p[o + i];

			if (ch == '.' || ch == '\\')
				tx(t, "\\%c", ch);
			else if (ch > ' ' && ch < 127)
				tx(t, "%c", ch);
			else
				tx(t, "\\%03u", ch);
		}
		tx(t, ".");
		o += c + 1;
		labels++;
	}
	if (labels == 0)
		tx(t, ".");
	if (!jumped)
		*off = o + 1;
	return 0;
}

static int
rd_txt(const uint8_t *p, size_t end, size_t off, struct text *t)
{
	size_t n, i;

	while (off < end) {
		n = p[off++];
		if (off + n > end)
			return -1;
		tx(t, " \"");
		for (i = 0; i < n; i++, off++) {
			if (p[off] == '"' || p[off] == '\\')
				tx(t, "\\%c", p[off]);
			else if (p[off] >= ' ' && p[off] < 127)
				tx(t, "%c", p[off]);
			else
				tx(t, "\\%03u", p[off]);
		}
		tx(t, "\"");
	}
	return 0;
}

/* The rdata of one RR, [off, end) of the packet. */
static int
rd_rdata(const uint8_t *p, size_t off, size_t end, uint16_t type,
    struct text *t)
{
	char   a[INET6_ADDRSTRLEN];
	size_t i;

	switch (type) {
	case 1:
	case 28:
		if (end - off != (type == 1 ? 4u : 16u))
			return -1;
		inet_ntop(type == 1 ? AF_INET : AF_INET6, p + off, a,
		    sizeof(a));
		tx(t, " %s", a);
		return 0;
	case 2:
	case 5:
	case 12:
	case 39:
		tx(t, " ");
		return rd_name(p, end, &off, t) == -1 || off != end ? -1 : 0;
	case 15:
		if (end - off < 3)
			return -1;
		tx(t, " %u ", g16(p + off));
		off += 2;
		return rd_name(p, end, &off, t) == -1 || off != end ? -1 : 0;
	case 6:
		tx(t, " ");
		if (rd_name(p, end, &off, t) == -1)
			return -1;
		tx(t, " ");
		if (rd_name(p, end, &off, t) == -1 || end - off != 20)
			return -1;
		for (i = 0; i < 5; i++)
			tx(t, " %u", g32(p + off + 4 * i));
		return 0;
	case 16:
		return rd_txt(p, end, off, t);
	case 33:
		if (end - off < 7)
			return -1;
		tx(t, " %u %u %u ", g16(p + off), g16(p + off + 2),
		    g16(p + off + 4));
		off += 6;
		return rd_name(p, end, &off, t) == -1 || off != end ? -1 : 0;
	default:
		tx(t, " \\# %zu ", end - off);
		for (; off < end; off++)
			tx(t, "%02x", p[off]);
		return 0;
	}
}

struct edns {
	int	 seen;
	uint16_t size;
	uint8_t	 extrcode, version;
	int	 dnssec_ok;
};

static int
rd_opt(const uint8_t *p, size_t off, uint16_t rdlen, struct edns *e)
{
	if (e->seen || p[off - 11] != 0)
		return -1; /* a second OPT, or one not at the root */
	e->seen = 1;
	e->size = g16(p + off - 8);
	e->extrcode = p[off - 6];
	e->version = p[off - 5];
	e->dnssec_ok = (p[off - 4] & 0x80) != 0;
	return rdlen == 0 ? 0 : -1;
}

/* One RR at *off in section `sec'. */
static int
rd_rr(const uint8_t *p, size_t len, size_t *off, const char *sec,
    struct text *t, struct edns *e)
{
	struct text line = { t->buf + t->len, 0, t->max - t->len };
	char	    tb[16];
	uint16_t    type, rdlen;

	tx(&line, "%s ", sec);
	if (rd_name(p, len, off, &line) == -1 || len - *off < 10)
		return -1;
	type = g16(p + *off);
	rdlen = g16(p + *off + 8);
	*off += 10;
	if (len - *off < rdlen)
		return -1;
	if (type == 41) {
		t->buf[t->len] = '\0'; /* OPT is no RR line */
		*off += rdlen;
		return rd_opt(p, *off - rdlen, rdlen, e);
	}
	if (g16(p + *off - 8) != 1)
		return -1;
	tx(&line, " %u IN %s", g32(p + *off - 6),
	    type_to_name(type, tb, sizeof(tb)));
	if (rd_rdata(p, *off, *off + rdlen, type, &line) == -1)
		return -1;
	*off += rdlen;
	tx(&line, "\n");
	t->len += line.len;
	return 0;
}

static void
rd_flags(uint16_t flags, struct text *t)
{
	static const struct {
		uint16_t    bit;
		const char *name;
	} f[] = {
		{ 0x8000, "qr" },
		{ 0x0400, "aa" },
		{ 0x0200, "tc" },
		{ 0x0100, "rd" },
		{ 0x0080, "ra" },
		{ 0x0020, "ad" },
		{ 0x0010, "cd" },
	};
	size_t i;

	tx(t, "flags");
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (flags & f[i].bit)
			tx(t, " %s", f[i].name);
	if ((flags >> 11) & 0xf)
		tx(t, " opcode=%u", (flags >> 11) & 0xf);
	tx(t, "\n");
}

static const char *
rcode_text(unsigned int rcode)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL",
		"NXDOMAIN", "NOTIMP", "REFUSED" };

	if (rcode < 6)
		return names[rcode];
	return rcode == 16 ? "BADVERS" : "RCODE?";
}

/*
 * The whole reply as text: rcode, flags, then one line per question
 * and RR, then the EDNS line.  -1 if the message is malformed in any
 * way, trailing bytes included.
 */
static int
render(const uint8_t *p, size_t len, struct text *t)
{
	char			 body[TEXT_MAX], tb[16];
	struct text		 b = { body, 0, sizeof(body) };
	struct edns		 e = { 0, 0, 0, 0, 0 };
	size_t			 off = DNS_HEADER_LEN, i;
	static const char *const secs[] = { "answer", "authority",
		"additional" };
	int			 s;

	body[0] = '\0';
	if (len < DNS_HEADER_LEN || g16(p + 4) > 1)
		return -1;
	if (g16(p + 4) == 1) {
		tx(&b, "question ");
		if (rd_name(p, len, &off, &b) == -1 || len - off < 4)
			return -1;
		if (g16(p + off + 2) == 1)
			tx(&b, " IN");
		else
			tx(&b, " CLASS%u", g16(p + off + 2));
		tx(&b, " %s\n", type_to_name(g16(p + off), tb, sizeof(tb)));
		off += 4;
	}
	for (s = 0; s < 3; s++)
		for (i = 0; i < g16(p + 6 + 2 * s); i++)
			if (rd_rr(p, len, &off, secs[s], &b, &e) == -1)
				return -1;
	if (off != len)
		return -1;
	tx(t, "rcode %s\n",
	    rcode_text((unsigned int)e.extrcode << 4 | (p[3] & 0xf)));
	rd_flags(g16(p + 2), t);
	tx(t, "%s", body);
	if (e.seen)
		tx(t, "edns %u%s%s\n", e.size, e.dnssec_ok ? " do" : "",
		    e.version ? " version!=0" : "");
	return 0;
}

/* --- golden files ---------------------------------------------------- */

static void
render_verdict(const struct dns_verdict *v, struct text *t)
{
	static const char *const actions[] = { "drop", "reply", "outofzone" };

	const uint8_t *w;

	tx(t, "verdict %s", actions[v->action]);
	if (v->binding != NULL)
		tx(t, " binding=%s", v->binding->name);
	if (v->wild != NULL) {
		tx(t, " wildcard=");
		for (w = v->wild->name; *w != 0; w += *w + 1)
			tx(t, "%.*s.", *w, (const char *)w + 1);
	}
	tx(t, "\n");
}

/* Answer `q' and render reply and verdict; fails on a malformed reply. */
static void
answer_text(const uint8_t *q, size_t qlen, int tcp, struct text *t)
{
	static uint8_t	   reply[DNS_TCP_MAX];
	struct dns_verdict v;

	dns_answer(zones, q, qlen, tcp, reply, sizeof(reply), &v);
	if (v.action != DNS_V_DROP && render(reply, v.replylen, t) == -1)
		fail_msg("malformed reply of %zu bytes", v.replylen);
	render_verdict(&v, t);
}

static int
parse_option(const char *w, struct qopts *o)
{
	if (strcmp(w, "rd") == 0)
		o->rd = 1;
	else if (strcmp(w, "cd") == 0)
		o->cd = 1;
	else if (strcmp(w, "tcp") == 0)
		o->tcp = 1;
	else if (strcmp(w, "do") == 0)
		o->edns_do = 1;
	else if (strcmp(w, "edns") == 0)
		o->edns = DNS_EDNS_PAYLOAD;
	else if (strncmp(w, "edns=", 5) == 0)
		o->edns = atoi(w + 5);
	else if (strncmp(w, "ednsver=", 8) == 0)
		o->edns_version = atoi(w + 8);
	else if (strncmp(w, "opcode=", 7) == 0)
		o->opcode = atoi(w + 7);
	else if (strncmp(w, "id=", 3) == 0)
		o->id = (uint16_t)atoi(w + 3);
	else if (strcmp(w, "class=CH") == 0)
		o->qclass = 3;
	else if (strncmp(w, "class=", 6) == 0)
		o->qclass = (uint16_t)atoi(w + 6);
	else
		return -1;
	return 0;
}

/* "query NAME TYPE [option...]" into wire form. */
static size_t
parse_query(char *line, uint8_t *q, int *tcp, const char *where)
{
	struct qopts o;
	char	    *name, *type, *w;
	int	     qtype = -1;

	default_opts(&o);
	strtok(line, " \t");
	name = strtok(NULL, " \t");
	type = strtok(NULL, " \t");
	if (name == NULL || type == NULL || (qtype = type_from_name(type)) < 0)
		fail_msg("%s: bad query line", where);
	while ((w = strtok(NULL, " \t")) != NULL)
		if (parse_option(w, &o) == -1)
			fail_msg("%s: unknown query option '%s'", where, w);
	if ((o.edns_do || o.edns_version) && o.edns == 0)
		o.edns = DNS_EDNS_PAYLOAD;
	*tcp = o.tcp;
	return build_query(q, name, (uint16_t)qtype, &o);
}

struct golden {
	const char *path;
	FILE	   *fp;
	int	    lineno;
	int	    failed;
	int	    cases;
};

static char *
golden_line(struct golden *g, char *buf, size_t len)
{
	size_t n;

	if (fgets(buf, (int)len, g->fp) == NULL)
		return NULL;
	g->lineno++;
	n = strlen(buf);
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return buf;
}

/* The expected block after "reply", up to "end". */
static void
golden_expect(struct golden *g, struct text *want)
{
	char line[1024];

	while (golden_line(g, line, sizeof(line)) != NULL) {
		if (strcmp(line, "end") == 0)
			return;
		if (line[0] != ';')
			tx(want, "%s\n", line);
	}
	fail_msg("%s:%d: reply block without end", g->path, g->lineno);
}

static void
golden_case(struct golden *g, char *qline)
{
	char	    where[300], line[1024], wbuf[TEXT_MAX], gbuf[TEXT_MAX];
	struct text want = { wbuf, 0, sizeof(wbuf) };
	struct text got = { gbuf, 0, sizeof(gbuf) };
	uint8_t	    q[512];
	size_t	    qlen;
	int	    tcp;

	snprintf(where, sizeof(where), "%s:%d", g->path, g->lineno);
	wbuf[0] = gbuf[0] = '\0';
	qlen = parse_query(qline, q, &tcp, where);
	if (golden_line(g, line, sizeof(line)) == NULL ||
	    strcmp(line, "reply") != 0)
		fail_msg("%s: query not followed by 'reply'", where);
	golden_expect(g, &want);
	answer_text(q, qlen, tcp, &got);
	g->cases++;
	if (strcmp(wbuf, gbuf) != 0) {
		/* stderr, not print_error: that one cuts long text. */
		fprintf(stderr,
		    "%s: reply differs\n--- expected\n%s"
		    "--- got\n%s",
		    where, wbuf, gbuf);
		g->failed = 1;
	}
}

static void
golden_file(const char *path, int *failed, int *cases)
{
	struct golden g = { path, NULL, 0, 0, 0 };
	char	      line[1024];

	if ((g.fp = fopen(path, "r")) == NULL)
		fail_msg("%s: cannot open", path);
	while (golden_line(&g, line, sizeof(line)) != NULL) {
		if (line[0] == ';' || line[0] == '\0')
			continue;
		if (strncmp(line, "query ", 6) == 0)
			golden_case(&g, line);
		else
			fail_msg("%s:%d: expected 'query', got '%s'", path,
			    g.lineno, line);
	}
	fclose(g.fp);
	*failed |= g.failed;
	*cases += g.cases;
}

/* Every .test file in tests/dns: each query's reply renders as written. */
static void
test_golden_files(void **state)
{
	glob_t gl;
	size_t i;
	int    failed = 0, cases = 0;

	(void)state;
	assert_int_equal(glob("*.test", 0, NULL, &gl), 0);
	for (i = 0; i < gl.gl_pathc; i++)
		golden_file(gl.gl_pathv[i], &failed, &cases);
	globfree(&gl);
	assert_true(cases >= 40);
	assert_false(failed);
}

/* --- malformed input, byte by byte ----------------------------------- */

static uint8_t reply[DNS_TCP_MAX];

static enum dns_action
answer(const uint8_t *q, size_t qlen, struct dns_verdict *v)
{
	return dns_answer(zones, q, qlen, 0, reply, sizeof(reply), v);
}

/* A valid "www.example.org. A" query, with EDNS when `edns'. */
static size_t
valid_query(uint8_t *q, int edns)
{
	struct qopts o;

	default_opts(&o);
	o.edns = edns ? 1232 : 0;
	return build_query(q, "www.example.org.", 1, &o);
}

/* FORMERR echoing only the header: no question, no records. */
static void
assert_formerr_bare(const uint8_t *q, size_t qlen)
{
	struct dns_verdict v;

	assert_int_equal(answer(q, qlen, &v), DNS_V_REPLY);
	assert_int_equal(v.rcode, DNS_RCODE_FORMERR);
	assert_int_equal(v.replylen, DNS_HEADER_LEN);
	assert_int_equal(reply[0] << 8 | reply[1], q[0] << 8 | q[1]);
	assert_int_equal(reply[2] & 0x80, 0x80);
	assert_int_equal(reply[3] & 0xf, DNS_RCODE_FORMERR);
	assert_memory_equal(reply + 4, "\0\0\0\0\0\0\0\0", 8);
	assert_int_equal(v.qtype_metric, DNS_QT_NONE);
}

static void
test_short_headers_and_responses_are_dropped(void **state)
{
	struct dns_verdict v;
	uint8_t		   q[512];
	size_t		   n = valid_query(q, 0), i;

	(void)state;
	for (i = 0; i < DNS_HEADER_LEN; i++)
		assert_int_equal(answer(q, i, &v), DNS_V_DROP);
	q[2] |= 0x80; /* QR: a response, never answered */
	assert_int_equal(answer(q, n, &v), DNS_V_DROP);
	q[2] &= 0x7f;
	assert_int_equal(dns_answer(zones, q, n, 0, reply, 11, &v), DNS_V_DROP);
}

static void
test_bad_counts_are_formerr(void **state)
{
	uint8_t q[512];
	size_t	n = valid_query(q, 0);

	(void)state;
	q[5] = 0; /* qdcount 0 */
	assert_formerr_bare(q, n);
	q[5] = 2; /* qdcount 2 */
	assert_formerr_bare(q, n);
	q[4] = 0xff; /* qdcount 65282 */
	assert_formerr_bare(q, n);
	q[4] = 0;
	q[5] = 1;
	q[7] = 1; /* an answer in a query */
	assert_formerr_bare(q, n);
	q[7] = 0;
	q[9] = 1; /* authority */
	assert_formerr_bare(q, n);
	q[9] = 0;
	q[11] = 2; /* two additional records */
	assert_formerr_bare(q, n);
}

static void
test_bad_labels_are_formerr(void **state)
{
	uint8_t q[600];
	size_t	n = valid_query(q, 0), i;

	(void)state;
	q[12] = 64; /* label length above 63 */
	assert_formerr_bare(q, n);
	q[12] = 0x80; /* the reserved 10 label type */
	assert_formerr_bare(q, n);
	q[12] = 0xc0; /* pointer to itself: a loop */
	q[13] = 12;
	assert_formerr_bare(q, n);
	q[12] = 0xc0; /* pointer to the header */
	q[13] = 0;
	assert_formerr_bare(q, n);
	q[12] = 3; /* a label running past the end */
	assert_formerr_bare(q, 14);
	/* 128 one-byte labels: 257 bytes, over the 255 limit. */
	for (i = 0; i < 128; i++) {
		q[12 + 2 * i] = 1;
		q[13 + 2 * i] = 'a';
	}
	q[12 + 256] = 0;
	memset(q + 12 + 257, 0, 4);
	q[12 + 258] = 1;
	q[12 + 260] = 1;
	assert_formerr_bare(q, 12 + 261);
}

static void
test_longest_legal_name_is_answered(void **state)
{
	struct dns_verdict v;
	uint8_t		   q[600];
	size_t		   i;

	(void)state;
	valid_query(q, 0);
	/* 127 one-byte labels and the root: exactly 255 bytes. */
	for (i = 0; i < 127; i++) {
		q[12 + 2 * i] = 1;
		q[13 + 2 * i] = 'a';
	}
	q[12 + 254] = 0;
	memcpy(q + 12 + 255, "\0\1\0\1", 4);
	assert_int_equal(answer(q, 12 + 259, &v), DNS_V_OUTOFZONE);
	assert_int_equal(v.rcode, DNS_RCODE_REFUSED);
	assert_int_equal(v.replylen, 12 + 259);
}

/* The question is sound, so the FORMERR echoes it. */
static void
test_garbage_after_question_is_formerr(void **state)
{
	struct dns_verdict v;
	uint8_t		   q[512];
	size_t		   n = valid_query(q, 0);

	(void)state;
	q[n] = 0xab;
	assert_int_equal(answer(q, n + 1, &v), DNS_V_REPLY);
	assert_int_equal(v.rcode, DNS_RCODE_FORMERR);
	assert_int_equal(v.replylen, n);
	assert_int_equal(reply[5], 1);
	assert_int_equal(v.qtype_metric, DNS_QT_A);
}

static void
test_bad_opt_records_are_formerr(void **state)
{
	struct dns_verdict v;
	uint8_t		   q[512];
	size_t		   n = valid_query(q, 1);

	(void)state;
	q[n - 11] = 1; /* OPT owner not the root */
	assert_int_equal(answer(q, n, &v), DNS_V_REPLY);
	assert_int_equal(v.rcode, DNS_RCODE_FORMERR);
	assert_false(v.edns);
	n = valid_query(q, 1);
	q[n - 9] = 1; /* type 1, not OPT */
	answer(q, n, &v);
	assert_int_equal(v.rcode, DNS_RCODE_FORMERR);
	n = valid_query(q, 1);
	q[n - 1] = 4; /* rdlength past the end */
	answer(q, n, &v);
	assert_int_equal(v.rcode, DNS_RCODE_FORMERR);
	n = valid_query(q, 1);
	q[n - 1] = 5; /* an option whose length overruns */
	memcpy(q + n, "\0\12\0\11x", 5);
	answer(q, n + 5, &v);
	assert_int_equal(v.rcode, DNS_RCODE_FORMERR);
	q[n + 3] = 1; /* the same option, well framed */
	answer(q, n + 5, &v);
	assert_int_equal(v.rcode, DNS_RCODE_NOERROR);
	assert_true(v.edns);
	answer(q, n - 3, &v); /* OPT cut short */
	assert_int_equal(v.rcode, DNS_RCODE_FORMERR);
}

/* Any cut of a valid query is answered or dropped, never a crash. */
static void
test_every_prefix_of_a_query_is_safe(void **state)
{
	struct dns_verdict v;
	uint8_t		   q[512], *cut;
	size_t		   n, i;
	int		   edns;

	(void)state;
	for (edns = 0; edns <= 1; edns++) {
		n = valid_query(q, edns);
		for (i = 0; i <= n; i++) {
			/* An exact-size copy, so ASan sees any over-read. */
			cut = malloc(i ? i : 1);
			memcpy(cut, q, i);
			answer(cut, i, &v);
			free(cut);
			if (i < DNS_HEADER_LEN)
				assert_int_equal(v.action, DNS_V_DROP);
			else if (i < n)
				assert_int_equal(v.rcode, DNS_RCODE_FORMERR);
			else
				assert_int_equal(v.rcode, DNS_RCODE_NOERROR);
		}
	}
}

/* The answer's owner is a pointer to the question: case preserved. */
static void
test_answer_owner_points_at_the_question(void **state)
{
	struct dns_verdict v;
	uint8_t		   q[512];
	size_t		   n;
	struct qopts	   o;

	(void)state;
	default_opts(&o);
	n = build_query(q, "WwW.ExAmPlE.oRg.", 1, &o);
	assert_int_equal(answer(q, n, &v), DNS_V_REPLY);
	assert_int_equal(v.replylen, n + 16);
	assert_memory_equal(reply + 12, q + 12, n - 12);
	assert_int_equal(reply[n], 0xc0);
	assert_int_equal(reply[n + 1], 12);
	assert_memory_equal(reply + n + 2, "\0\1\0\1\0\0\0\36\0\4\12\0\0\12",
	    14);
	assert_non_null(v.binding);
	assert_string_equal(v.binding->name, "www.example.org.");
	assert_ptr_equal(v.zone, zones->zones[0]);
}

/* A tiny reply buffer is respected: the answer is cut, TC set. */
static void
test_small_reply_buffers_are_never_overrun(void **state)
{
	struct dns_verdict v;
	uint8_t		   q[512], *buf;
	size_t		   n = valid_query(q, 1), max;

	(void)state;
	for (max = 0; max <= 80; max++) {
		buf = malloc(max ? max : 1);
		dns_answer(zones, q, n, 0, buf, max, &v);
		if (max < DNS_HEADER_LEN)
			assert_int_equal(v.action, DNS_V_DROP);
		else
			assert_in_range(v.replylen, DNS_HEADER_LEN, max);
		free(buf);
	}
}

static void
test_servfail_keeps_question_and_opt(void **state)
{
	struct dns_verdict v;
	uint8_t		   q[512];
	size_t		   n = valid_query(q, 1), len;
	char		   buf[TEXT_MAX];
	struct text	   t = { buf, 0, sizeof(buf) };

	(void)state;
	assert_int_equal(answer(q, n, &v), DNS_V_REPLY);
	assert_non_null(v.binding);
	len = dns_servfail(reply, &v);
	assert_int_equal(len, n);
	assert_int_equal(render(reply, len, &t), 0);
	assert_string_equal(buf,
	    "rcode SERVFAIL\nflags qr\n"
	    "question www.example.org. IN A\nedns 1232\n");
}

/* The verdict's limit: what the client takes, as the reply was cut to. */
static void
test_verdict_says_the_clients_limit(void **state)
{
	static const struct {
		int    tcp;
		int    edns;
		size_t limit;
	} c[] = {
		{ 0, 0, 512 },	   /* no EDNS: RFC 1035 */
		{ 0, 400, 512 },   /* below 512 counts as 512 */
		{ 0, 1000, 1000 }, /* as asked */
		{ 0, 4096, 1232 }, /* at most what we advertise */
		{ 1, 0, 65535 },   /* TCP */
	};
	struct dns_verdict v;
	struct qopts	   o;
	uint8_t		   q[512];
	size_t		   i, qlen;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		default_opts(&o);
		o.edns = c[i].edns;
		qlen = build_query(q, "www.example.org.", 1, &o);
		(void)dns_answer(zones, q, qlen, c[i].tcp, reply, sizeof(reply),
		    &v);
		if (v.limit != c[i].limit)
			fail_msg(
			    "tcp %d, EDNS size %d: limit %zu, expected %zu",
			    c[i].tcp, c[i].edns, v.limit, c[i].limit);
	}
}

static void
test_metric_labels(void **state)
{
	struct dns_verdict v;
	uint8_t		   q[512];
	struct qopts	   o;
	size_t		   n;

	(void)state;
	assert_string_equal(dns_qtype_metric_name(DNS_QT_NONE), "none");
	assert_string_equal(dns_qtype_metric_name(DNS_QT_AAAA), "AAAA");
	assert_string_equal(dns_qtype_metric_name(DNS_QT_OTHER), "other");
	assert_string_equal(dns_qtype_metric_name(DNS_QT_COUNT), "other");
	assert_string_equal(dns_rcode_name(DNS_RCODE_NXDOMAIN), "NXDOMAIN");
	assert_string_equal(dns_rcode_name(DNS_RCODE_BADVERS), "BADVERS");
	assert_string_equal(dns_rcode_name(9), "other");
	default_opts(&o);
	n = build_query(q, "example.org.", 99, &o);
	answer(q, n, &v);
	assert_int_equal(v.qtype, 99);
	assert_int_equal(v.qtype_metric, DNS_QT_OTHER);
	assert_int_equal(v.rcode, DNS_RCODE_NOERROR);
	n = build_query(q, "example.org.", 16, &o);
	answer(q, n, &v);
	assert_int_equal(v.qtype_metric, DNS_QT_TXT);
}

/* --- fuzz ------------------------------------------------------------ */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: deterministic, so a failure reproduces. */
static uint32_t
rnd(uint32_t n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dULL) >> 32) % n;
}

static size_t
mutate(uint8_t *q, size_t n, size_t max)
{
	int k, ops = 1 + (int)rnd(4);

	for (k = 0; k < ops; k++) {
		switch (rnd(5)) {
		case 0:
			if (n > 0)
				q[rnd((uint32_t)n)] ^= (uint8_t)(1 << rnd(8));
			break;
		case 1:
			if (n > 0)
				q[rnd((uint32_t)n)] = (uint8_t)rnd(256);
			break;
		case 2:
			n = rnd((uint32_t)n + 1);
			break;
		case 3:
			if (n < max)
				q[n++] = (uint8_t)rnd(256);
			break;
		default:
			if (n > 12) /* a likely-looking pointer */
				q[12 + rnd((uint32_t)n - 12)] = 0xc0;
			break;
		}
	}
	return n;
}

static void
fuzz_one(const uint8_t *q, size_t n, int tcp, size_t max)
{
	struct dns_verdict v;
	uint8_t		  *in = malloc(n ? n : 1), *out = malloc(max);
	char		   buf[TEXT_MAX];
	struct text	   t = { buf, 0, sizeof(buf) };

	memcpy(in, q, n);
	dns_answer(zones, in, n, tcp, out, max, &v);
	if (v.action != DNS_V_DROP) {
		assert_in_range(v.replylen, DNS_HEADER_LEN, max);
		assert_true(v.replylen <=
		    (tcp ? DNS_TCP_MAX : DNS_EDNS_PAYLOAD));
		assert_true(tcp || v.edns || v.replylen <= DNS_UDP_MIN);
		assert_memory_equal(out, in, 2);
		if (render(out, v.replylen, &t) == -1)
			fail_msg("malformed reply to a mutated query");
	}
	free(in);
	free(out);
}

static void
test_fuzzed_queries_get_sound_replies(void **state)
{
	static const char *const names[] = { "www.example.org.", "example.org.",
		"alias.example.org.", "big.example.org.", "loop1.example.org.",
		"nope.example.org.", "x.example.edu." };
	static const uint16_t	 qtypes[] = { 1, 2, 255, 16, 28, 5 };
	static const size_t	 maxes[] = { 12, 64, 512, 1232, 4096 };
	struct qopts		 o;
	uint8_t			 q[600];
	size_t			 n;
	int			 i;

	(void)state;
	for (i = 0; i < 6000; i++) {
		default_opts(&o);
		o.edns = rnd(2) ? (int)rnd(5000) : 0;
		o.edns_do = (int)rnd(2);
		n = build_query(q, names[rnd(7)], qtypes[rnd(6)], &o);
		n = mutate(q, n, sizeof(q));
		fuzz_one(q, n, (int)rnd(2), maxes[rnd(5)]);
	}
}

/* The fixtures live in tests/dns, zones in the order the tests expect. */
static int
setup(void **state)
{
	static const char *const paths[] = { "example.org.zone",
		"example.net.zone", "example.com.zone" };
	struct errors		*errs;
	const char		*top = getenv("JITSUD_SRCDIR");
	char			 dir[512];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tests/dns", top ? top : ".");
	if (chdir(dir) == -1 || (errs = calloc(1, sizeof(*errs))) == NULL)
		return -1;
	zones = zone_set_load(paths, 3, errs);
	if (zones == NULL && errs->count > 0)
		fprintf(stderr, "%s\n", errs->msg[0]);
	free(errs);
	return zones == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	zone_set_free(zones);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_files),
		cmocka_unit_test(test_short_headers_and_responses_are_dropped),
		cmocka_unit_test(test_bad_counts_are_formerr),
		cmocka_unit_test(test_bad_labels_are_formerr),
		cmocka_unit_test(test_longest_legal_name_is_answered),
		cmocka_unit_test(test_garbage_after_question_is_formerr),
		cmocka_unit_test(test_bad_opt_records_are_formerr),
		cmocka_unit_test(test_every_prefix_of_a_query_is_safe),
		cmocka_unit_test(test_answer_owner_points_at_the_question),
		cmocka_unit_test(test_small_reply_buffers_are_never_overrun),
		cmocka_unit_test(test_servfail_keeps_question_and_opt),
		cmocka_unit_test(test_verdict_says_the_clients_limit),
		cmocka_unit_test(test_metric_labels),
		cmocka_unit_test(test_fuzzed_queries_get_sound_replies),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
