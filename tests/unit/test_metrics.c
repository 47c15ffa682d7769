/* test_metrics.c -- metrics.c's text parsed back as Prometheus reads it */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jitsud.h"
#include "testutil.h"
#include "synjitsu.h"

/* Neighbours: the names dns.c and vm.c give, so labels read as real. */
const char *
dns_qtype_metric_name(enum dns_qtype_metric m)
{
	/* clang-format off */
	static const char *const names[DNS_QT_COUNT] = {
		"none", "A", "AAAA", "ANY", "CNAME", "MX", "NS", "PTR", "SOA",
		"SRV", "TXT", "other",
	};
	/* clang-format on */

	return (unsigned int)m < DNS_QT_COUNT ? names[m] : "other";
}

const char *
dns_rcode_name(uint16_t rcode)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL",
		"NXDOMAIN", "NOTIMP", "REFUSED" };

	if (rcode < 6)
		return names[rcode];
	return rcode == DNS_RCODE_BADVERS ? "BADVERS" : "other";
}

const char *
vm_state_name(enum vm_state s)
{
	static const char *const names[VM_NSTATES] = { "stopped", "building",
		"booting", "ready", "stopping", "paused", "suspended" };

	return s < VM_NSTATES ? names[s] : "?";
}

/*
 * A small parser of the Prometheus text exposition format (version
 * 0.0.4): "# HELP name text", "# TYPE name type" and samples
 * `name{label="value",...} number'.  It refuses what Prometheus would,
 * and the checks a scraper leaves to the user (each family declared
 * once, before its samples; no series twice) fail the test too.
 */
#define P_MAX	 1024
#define P_NAME	 128
#define P_LABELS 256

struct p_sample {
	char   name[P_NAME];
	char   labels[P_LABELS]; /* as written, between the braces */
	double value;
};

struct p_family {
	char name[P_NAME];
	char type[16];
	int  help;
	int  nsamples;
};

struct parsed {
	struct p_sample s[P_MAX];
	size_t		ns;
	struct p_family f[P_MAX];
	size_t		nf;
};

static int
p_namechar(int c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    c == ':' || (!first && c >= '0' && c <= '9');
}

/* A metric name at *p into out; the pointer past it, or NULL. */
static const char *
p_name(const char *p, char *out, size_t len)
{
	size_t n = 0;

	if (!p_namechar((unsigned char)*p, 1))
		return NULL;
	while (p_namechar((unsigned char)p[n], 0) && n + 1 < len) {
		out[n] = p[n];
		n++;
	}
	out[n] = '\0';
	return p + n;
}

static struct p_family *
p_family(struct parsed *ps, const char *name)
{
	size_t i;

	for (i = 0; i < ps->nf; i++)
		if (strcmp(ps->f[i].name, name) == 0)
			return &ps->f[i];
	return NULL;
}

/* The family a sample belongs to: histograms own _bucket/_sum/_count. */
static struct p_family *
p_family_of(struct parsed *ps, const char *sample)
{
	static const char *const sfx[] = { "_bucket", "_sum", "_count" };
	struct p_family		*f;
	char			 base[P_NAME];
	size_t			 i, n, l = strlen(sample);

	if ((f = p_family(ps, sample)) != NULL)
		return f;
	for (i = 0; i < 3; i++) {
		n = strlen(sfx[i]);
		if (l <= n || strcmp(sample + l - n, sfx[i]) != 0)
			continue;
		snprintf(base, sizeof(base), "%.*s", (int)(l - n), sample);
		if ((f = p_family(ps, base)) != NULL &&
		    strcmp(f->type, "histogram") == 0)
			return f;
	}
	return NULL;
}

/* `{l="v",...}' at p: checked, copied into out; past it, or NULL. */
static const char *
p_labels(const char *p, char *out, size_t len)
{
	const char *start = p + 1;
	char	    lname[P_NAME];

	if (*p != '{') {
		out[0] = '\0';
		return p;
	}
	p++;
	while (*p != '}') {
		if ((p = p_name(p, lname, sizeof(lname))) == NULL ||
		    strchr(lname, ':') != NULL || *p++ != '=' || *p++ != '"')
			return NULL;
		for (; *p != '"'; p++) {
			if (*p == '\0' || *p == '\n')
				return NULL;
			if (*p == '\\' && *++p != '\\' && *p != '"' &&
			    *p != 'n')
				return NULL;
		}
		p++;
		if (*p == ',')
			p++;
		else if (*p != '}')
			return NULL;
	}
	if ((size_t)(p - start) >= len)
		return NULL;
	snprintf(out, len, "%.*s", (int)(p - start), start);
	return p + 1;
}

static jmp_buf p_jmp;
static char    p_err[512];

/* A fault: say where and why, and leave the parse (p_try). */
static void
p_fail(const char *line, const char *why)
{
	snprintf(p_err, sizeof(p_err), "metrics line \"%s\": %s", line, why);
	longjmp(p_jmp, 1);
}

static void
p_comment(struct parsed *ps, const char *line)
{
	struct p_family *f;
	char		 name[P_NAME];
	const char	*p;
	int		 help = strncmp(line, "# HELP ", 7) == 0;

	if (!help && strncmp(line, "# TYPE ", 7) != 0)
		return; /* another comment: allowed, ignored */
	if ((p = p_name(line + 7, name, sizeof(name))) == NULL || *p != ' ' ||
	    p[1] == '\0')
		p_fail(line, "expected a metric name, a blank and text");
	if ((f = p_family(ps, name)) == NULL) {
		if (ps->nf == P_MAX)
			p_fail(line, "too many families for the test");
		f = &ps->f[ps->nf++];
		snprintf(f->name, sizeof(f->name), "%s", name);
	}
	if (f->nsamples != 0)
		p_fail(line, "HELP/TYPE after the family's samples");
	if (help) {
		if (f->help++)
			p_fail(line, "a second HELP for the family");
		return;
	}
	if (f->type[0] != '\0')
		p_fail(line, "a second TYPE for the family");
	if (strcmp(p + 1, "counter") != 0 && strcmp(p + 1, "gauge") != 0 &&
	    strcmp(p + 1, "histogram") != 0)
		p_fail(line, "expected counter, gauge or histogram");
	snprintf(f->type, sizeof(f->type), "%s", p + 1);
}

static void
p_sample(struct parsed *ps, const char *line)
{
	struct p_sample *s;
	struct p_family *f;
	const char	*p;
	char		*end;
	size_t		 i;

	if (ps->ns == P_MAX)
		p_fail(line, "too many samples for the test");
	s = &ps->s[ps->ns];
	if ((p = p_name(line, s->name, sizeof(s->name))) == NULL ||
	    (p = p_labels(p, s->labels, sizeof(s->labels))) == NULL)
		p_fail(line, "expected name{label=\"value\",...}");
	if (*p++ != ' ')
		p_fail(line, "expected a blank before the value");
	s->value = strtod(p, &end);
	if (end == p || *end != '\0')
		p_fail(line, "expected a number and the end of the line");
	if ((f = p_family_of(ps, s->name)) == NULL || f->type[0] == '\0')
		p_fail(line, "a sample with no TYPE before it");
	if (f->help == 0)
		p_fail(line, "a sample with no HELP before it");
	if (strcmp(f->type, "counter") == 0 &&
	    (strlen(s->name) < 6 ||
		strcmp(s->name + strlen(s->name) - 6, "_total") != 0))
		p_fail(line, "a counter not named *_total");
	for (i = 0; i < ps->ns; i++)
		if (strcmp(ps->s[i].name, s->name) == 0 &&
		    strcmp(ps->s[i].labels, s->labels) == 0)
			p_fail(line, "the same series twice");
	f->nsamples++;
	ps->ns++;
}

/*
 * Parse text (every line ended by \n) into *ps: NULL, or what is wrong
 * (text is cut into lines).
 */
static const char *
p_try(struct parsed *ps, char *text)
{
	char *line, *nl;

	memset(ps, 0, sizeof(*ps));
	if (setjmp(p_jmp) != 0)
		return p_err;
	if (text[0] == '\0' || text[strlen(text) - 1] != '\n')
		p_fail(text, "empty, or not ended by a newline");
	for (line = text; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		*nl = '\0';
		if (line[0] == '\0')
			p_fail(line, "an empty line");
		else if (line[0] == '#')
			p_comment(ps, line);
		else
			p_sample(ps, line);
	}
	return NULL;
}

static void
p_parse(struct parsed *ps, char *text)
{
	const char *err = p_try(ps, text);

	if (err != NULL)
		fail_msg("%s", err);
}

/* Render m (and vs) and parse the text back into *ps. */
static void
render(const struct metrics *m, const struct vms *vs, struct parsed *ps)
{
	char  *text = NULL;
	size_t len = 0;
	FILE  *fp = open_memstream(&text, &len);

	assert_non_null(fp);
	metrics_render(m, vs, fp);
	assert_int_equal(fclose(fp), 0);
	p_parse(ps, text);
	free(text);
}

/* The value of series name{labels}; fails if it is not there. */
static double
value(const struct parsed *ps, const char *name, const char *labels)
{
	size_t i;

	for (i = 0; i < ps->ns; i++)
		if (strcmp(ps->s[i].name, name) == 0 &&
		    strcmp(ps->s[i].labels, labels) == 0)
			return ps->s[i].value;
	fail_msg("no series %s{%s} in the metrics", name, labels);
	return -1;
}

static int
has_series(const struct parsed *ps, const char *name, const char *labels)
{
	size_t i;

	for (i = 0; i < ps->ns; i++)
		if (strcmp(ps->s[i].name, name) == 0 &&
		    strcmp(ps->s[i].labels, labels) == 0)
			return 1;
	return 0;
}

static void
assert_value(const struct parsed *ps, const char *name, const char *labels,
    double want)
{
	double got = value(ps, name, labels);

	if (got != want)
		fail_msg("%s{%s}: expected %g, saw %g", name, labels, want,
		    got);
}

static void
assert_type(struct parsed *p, const char *family, const char *type)
{
	const struct p_family *f = p_family(p, family);

	if (f == NULL || strcmp(f->type, type) != 0)
		fail_msg("family %s: expected TYPE %s, saw %s", family, type,
		    f ? f->type : "no family");
}

static struct parsed ps; /* big: not on the stack */

static void
test_fresh_counters_render_well_formed_zeros(void **state)
{
	struct metrics m;
	size_t	       i;

	(void)state;
	memset(&m, 0, sizeof(m));
	render(&m, NULL, &ps);
	assert_value(&ps, "jitsud_dropped_total", "", 0);
	assert_value(&ps, "jitsud_boot_seconds_count", "", 0);
	for (i = 0; i < ps.ns; i++)
		if (ps.s[i].value != 0)
			fail_msg("%s{%s}: expected 0, saw %g", ps.s[i].name,
			    ps.s[i].labels, ps.s[i].value);
	for (i = 0; i < ps.nf; i++)
		if (!ps.f[i].help || ps.f[i].type[0] == '\0')
			fail_msg("family %s: HELP or TYPE missing",
			    ps.f[i].name);
	/* No registry, no VM gauge; no wire, no wire counters. */
	assert_null(p_family(&ps, "jitsud_vms"));
	assert_null(p_family(&ps, "jitsud_synjitsu_syns_total"));
}

static void
count_query(struct metrics *m, enum dns_action act, enum dns_qtype_metric qt,
    int truncated, int tcp)
{
	struct dns_verdict v;

	memset(&v, 0, sizeof(v));
	v.action = act;
	v.qtype_metric = qt;
	v.truncated = truncated;
	metrics_query(m, &v, tcp);
}

static void
test_queries_are_counted_by_type_and_transport(void **state)
{
	struct metrics m;

	(void)state;
	memset(&m, 0, sizeof(m));
	count_query(&m, DNS_V_REPLY, DNS_QT_A, 0, 0);
	count_query(&m, DNS_V_REPLY, DNS_QT_A, 0, 0);
	count_query(&m, DNS_V_REPLY, DNS_QT_A, 1, 0);
	count_query(&m, DNS_V_REPLY, DNS_QT_A, 0, 1);
	count_query(&m, DNS_V_OUTOFZONE, DNS_QT_MX, 0, 0);
	count_query(&m, DNS_V_DROP, DNS_QT_NONE, 1, 0);
	count_query(&m, DNS_V_REPLY, (enum dns_qtype_metric)99, 0, 1);
	render(&m, NULL, &ps);
	assert_value(&ps, "jitsud_queries_total",
	    "qtype=\"A\",transport=\"udp\"", 3);
	assert_value(&ps, "jitsud_queries_total",
	    "qtype=\"A\",transport=\"tcp\"", 1);
	assert_value(&ps, "jitsud_queries_total",
	    "qtype=\"MX\",transport=\"udp\"", 1);
	assert_value(&ps, "jitsud_queries_total",
	    "qtype=\"none\",transport=\"udp\"", 1);
	/* An out-of-range type is counted as "other", not off the table. */
	assert_value(&ps, "jitsud_queries_total",
	    "qtype=\"other\",transport=\"tcp\"", 1);
	assert_false(has_series(&ps, "jitsud_queries_total",
	    "qtype=\"AAAA\",transport=\"udp\""));
	assert_value(&ps, "jitsud_dropped_total", "", 1);
	assert_value(&ps, "jitsud_outofzone_total", "", 1);
	/* A dropped query sends nothing, so it cannot be truncated. */
	assert_value(&ps, "jitsud_truncated_total", "", 1);
}

static void
test_each_rcode_name_is_one_series(void **state)
{
	struct metrics m;

	(void)state;
	memset(&m, 0, sizeof(m));
	metrics_reply(&m, DNS_RCODE_NOERROR);
	metrics_reply(&m, DNS_RCODE_NOERROR);
	metrics_reply(&m, DNS_RCODE_NXDOMAIN);
	metrics_reply(&m, DNS_RCODE_BADVERS);
	metrics_reply(&m, 6);	 /* YXDOMAIN: named "other" */
	metrics_reply(&m, 9);	 /* NOTAUTH: named "other" */
	metrics_reply(&m, 3841); /* past the table: "other" */
	render(&m, NULL, &ps);	 /* fails on a series seen twice */
	assert_value(&ps, "jitsud_responses_total", "rcode=\"NOERROR\"", 2);
	assert_value(&ps, "jitsud_responses_total", "rcode=\"NXDOMAIN\"", 1);
	assert_value(&ps, "jitsud_responses_total", "rcode=\"BADVERS\"", 1);
	assert_value(&ps, "jitsud_responses_total", "rcode=\"other\"", 3);
	assert_false(has_series(&ps, "jitsud_responses_total",
	    "rcode=\"SERVFAIL\""));
}

/*
 * The histogram as Prometheus requires it: buckets in increasing le,
 * each counting everything at or below it (so monotone), the last
 * le="+Inf" equal to _count, and _sum the total in seconds.
 */
static void
assert_histogram(const struct parsed *p, const char *name, double count,
    double sum)
{
	char   bucket[P_NAME], cnt[P_NAME], sm[P_NAME];
	double le, last_le = -INFINITY, last = 0;
	size_t i, n = 0;
	int    inf = 0;

	snprintf(bucket, sizeof(bucket), "%s_bucket", name);
	snprintf(cnt, sizeof(cnt), "%s_count", name);
	snprintf(sm, sizeof(sm), "%s_sum", name);
	for (i = 0; i < p->ns; i++) {
		if (strcmp(p->s[i].name, bucket) != 0)
			continue;
		if (inf)
			fail_msg("%s: a bucket after le=\"+Inf\"", name);
		if (strcmp(p->s[i].labels, "le=\"+Inf\"") == 0) {
			inf = 1;
			le = INFINITY;
		} else if (sscanf(p->s[i].labels, "le=\"%lf\"", &le) != 1)
			fail_msg("%s: bucket labels %s", name, p->s[i].labels);
		if (le <= last_le)
			fail_msg("%s: le=%g after le=%g", name, le, last_le);
		if (p->s[i].value < last)
			fail_msg("%s: bucket le=%g holds %g, less than the "
				 "%g below it",
			    name, le, p->s[i].value, last);
		last_le = le;
		last = p->s[i].value;
		n++;
	}
	if (!inf)
		fail_msg("%s: no le=\"+Inf\" bucket", name);
	assert_int_equal(n, METRICS_BOOT_BUCKETS + 1);
	if (last != value(p, cnt, ""))
		fail_msg("%s: le=\"+Inf\" holds %g, _count %g", name, last,
		    value(p, cnt, ""));
	assert_value(p, cnt, "", count);
	if (fabs(value(p, sm, "") - sum) > 0.0005)
		fail_msg("%s_sum: expected %.3f, saw %.3f", name, sum,
		    value(p, sm, ""));
}

static void
test_boot_histogram_is_cumulative_and_ends_at_count(void **state)
{
	struct metrics	      m;
	static const uint64_t ms[] = { 10, 50, 51, 499, 5000, 30000, 30001,
		1000000 };
	size_t		      i;
	double		      sum = 0;

	(void)state;
	memset(&m, 0, sizeof(m));
	for (i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		metrics_boot(&m, ms[i]);
		sum += (double)ms[i] / 1000;
	}
	render(&m, NULL, &ps);
	assert_histogram(&ps, "jitsud_boot_seconds", 8, sum);
	/* A bound is inclusive: 50 ms is in le=0.05, 51 ms is not. */
	assert_value(&ps, "jitsud_boot_seconds_bucket", "le=\"0.05\"", 2);
	assert_value(&ps, "jitsud_boot_seconds_bucket", "le=\"0.1\"", 3);
	assert_value(&ps, "jitsud_boot_seconds_bucket", "le=\"0.5\"", 4);
	assert_value(&ps, "jitsud_boot_seconds_bucket", "le=\"5\"", 5);
	assert_value(&ps, "jitsud_boot_seconds_bucket", "le=\"30\"", 6);
	assert_value(&ps, "jitsud_boot_seconds_bucket", "le=\"+Inf\"", 8);
}

static void
test_empty_boot_histogram_is_still_complete(void **state)
{
	struct metrics m;

	(void)state;
	memset(&m, 0, sizeof(m));
	render(&m, NULL, &ps);
	assert_histogram(&ps, "jitsud_boot_seconds", 0, 0);
}

/*
 * One phase's series of jitsud_summon_phase_seconds: buckets labelled
 * phase="X",le="...", cumulative, ending at its own _count and _sum.
 */
static void
assert_phase_histogram(const struct parsed *p, const char *phase, double count,
    double sum)
{
	const char *name = "jitsud_summon_phase_seconds";
	char	    prefix[64], lab[64], bucket[P_NAME];
	double	    le, last_le = -INFINITY, last = 0;
	size_t	    i, n = 0, pl;
	int	    inf = 0;

	snprintf(prefix, sizeof(prefix), "phase=\"%s\",le=\"", phase);
	pl = strlen(prefix);
	snprintf(bucket, sizeof(bucket), "%s_bucket", name);
	for (i = 0; i < p->ns; i++) {
		if (strcmp(p->s[i].name, bucket) != 0 ||
		    strncmp(p->s[i].labels, prefix, pl) != 0)
			continue;
		if (inf)
			fail_msg("%s: a bucket after +Inf", phase);
		if (strcmp(p->s[i].labels + pl, "+Inf\"") == 0) {
			inf = 1;
			le = INFINITY;
		} else if (sscanf(p->s[i].labels + pl, "%lf", &le) != 1)
			fail_msg("%s: bucket labels %s", phase, p->s[i].labels);
		if (le <= last_le || p->s[i].value < last)
			fail_msg("%s: bucket le=%g (%g) not above le=%g (%g)",
			    phase, le, p->s[i].value, last_le, last);
		last_le = le;
		last = p->s[i].value;
		n++;
	}
	if (!inf)
		fail_msg("phase %s: no le=\"+Inf\" bucket", phase);
	assert_int_equal(n, METRICS_BOOT_BUCKETS + 1);
	snprintf(lab, sizeof(lab), "phase=\"%s\"", phase);
	assert_value(p, "jitsud_summon_phase_seconds_count", lab, count);
	if (last != count)
		fail_msg("%s: +Inf holds %g, _count %g", phase, last, count);
	if (fabs(value(p, "jitsud_summon_phase_seconds_sum", lab) - sum) >
	    0.0005)
		fail_msg("%s: _sum expected %.3f, saw %.3f", phase, sum,
		    value(p, "jitsud_summon_phase_seconds_sum", lab));
}

static void
test_each_phase_is_its_own_histogram_with_the_boot_buckets(void **state)
{
	struct metrics m;

	(void)state;
	memset(&m, 0, sizeof(m));
	metrics_phase(&m, TL_CREATED, 50);
	metrics_phase(&m, TL_CREATED, 51);
	metrics_phase(&m, TL_READY, 1200);
	metrics_boot(&m, 1200);
	render(&m, NULL, &ps);
	assert_type(&ps, "jitsud_summon_phase_seconds", "histogram");
	assert_phase_histogram(&ps, "created", 2, 0.101);
	assert_phase_histogram(&ps, "ready", 1, 1.2);
	/* The same bounds as the boot histogram, inclusive. */
	assert_value(&ps, "jitsud_summon_phase_seconds_bucket",
	    "phase=\"created\",le=\"0.05\"", 1);
	assert_value(&ps, "jitsud_summon_phase_seconds_bucket",
	    "phase=\"created\",le=\"0.1\"", 2);
	assert_value(&ps, "jitsud_summon_phase_seconds_bucket",
	    "phase=\"ready\",le=\"1\"", 0);
	assert_value(&ps, "jitsud_summon_phase_seconds_bucket",
	    "phase=\"ready\",le=\"2\"", 1);
	/* The boot histogram is still there, unchanged. */
	assert_histogram(&ps, "jitsud_boot_seconds", 1, 1.2);
}

static void
test_unseen_phases_have_no_series(void **state)
{
	struct metrics m;

	(void)state;
	memset(&m, 0, sizeof(m));
	metrics_phase(&m, TL_QUERY, 0);
	metrics_phase(&m, TL_UNPAUSED, 300);
	render(&m, NULL, &ps);
	assert_phase_histogram(&ps, "unpaused", 1, 0.3);
	assert_false(has_series(&ps, "jitsud_summon_phase_seconds_count",
	    "phase=\"devices\""));
	/* The query is the origin: always 0, never a series. */
	assert_false(has_series(&ps, "jitsud_summon_phase_seconds_count",
	    "phase=\"query\""));
	assert_false(has_series(&ps, "jitsud_summon_phase_seconds_count",
	    "phase=\"adopted\""));
}

/* Every plain counter renders the field it names. */
static void
test_every_counter_renders_its_field(void **state)
{
	static const struct {
		const char *name;
		size_t	    off;
	} c[] = {
#define C(n, f) { "jitsud_" n "_total", offsetof(struct metrics, f) }
		C("dropped", dropped),
		C("truncated", truncated),
		C("outofzone", outofzone),
		C("send_errors", send_errors),
		C("tcp_connections", tcp_clients),
		C("tcp_slow_closed", tcp_slow),
		C("summons", summons),
		C("summon_failures", summon_failures),
		C("idle_stops", idle_stops),
		C("forwarded", forwarded),
		C("forward_failures", forward_failures),
		C("maxwait_replies", maxwait_replies),
		C("rrl_dropped", rrl_dropped),
		C("rrl_slipped", rrl_slipped),
		C("synjitsu_standins", standins),
		C("synjitsu_handovers", handovers),
		C("synjitsu_handed_connections", handed_conns),
		C("synjitsu_adopted_connections", adopted_conns),
		C("synjitsu_expired", standin_expired),
#undef C
	};
	struct metrics m;
	size_t	       i;

	(void)state;
	memset(&m, 0, sizeof(m));
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		*(uint64_t *)(void *)((char *)&m + c[i].off) = 100 + i;
	render(&m, NULL, &ps);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		assert_value(&ps, c[i].name, "", (double)(100 + i));
		assert_type(&ps, c[i].name, "counter");
	}
	assert_type(&ps, "jitsud_queries_total", "counter");
	assert_type(&ps, "jitsud_responses_total", "counter");
	assert_type(&ps, "jitsud_boot_seconds", "histogram");
}

static void
fake_wire(const void *arg, struct synjitsu_stats *st)
{
	const struct synjitsu_stats *w = arg;

	*st = *w;
}

static void
test_wire_counters_come_from_the_wire_owner(void **state)
{
	struct synjitsu_stats w;
	struct metrics	      m;

	(void)state;
	memset(&m, 0, sizeof(m));
	memset(&w, 0, sizeof(w));
	w.arp_replies = 1;
	w.syns = 2;
	w.established = 3;
	w.bytes = 4;
	w.drop_full = 5;
	w.drop_port = 6;
	w.drop_drain = 7;
	w.drop_bad = 8;
	w.drop_unknown = 1000; /* not a refusal: not in refused */
	w.arp_requests = 9;
	w.drop_spoof = 10;
	w.drop_route = 11;
	w.kept = 12;
	w.kept_passed = 13;
	w.kept_lost = 14;
	w.neigh_borrowed = 15;
	m.wire = fake_wire;
	m.wire_arg = &w;
	render(&m, NULL, &ps);
	assert_value(&ps, "jitsud_synjitsu_arp_replies_total", "", 1);
	assert_value(&ps, "jitsud_synjitsu_syns_total", "", 2);
	assert_value(&ps, "jitsud_synjitsu_established_total", "", 3);
	assert_value(&ps, "jitsud_synjitsu_bytes_total", "", 4);
	assert_value(&ps, "jitsud_synjitsu_refused_total", "", 5 + 6 + 7);
	assert_value(&ps, "jitsud_synjitsu_malformed_total", "", 8);
	assert_value(&ps, "jitsud_synjitsu_arp_requests_total", "", 9);
	assert_value(&ps, "jitsud_synjitsu_spoofed_total", "", 10);
	assert_value(&ps, "jitsud_synjitsu_unroutable_total", "", 11);
	assert_value(&ps, "jitsud_synjitsu_kept_frames_total", "", 12);
	assert_value(&ps, "jitsud_synjitsu_kept_passed_total", "", 13);
	assert_value(&ps, "jitsud_synjitsu_kept_lost_total", "", 14);
	assert_value(&ps, "jitsud_synjitsu_neighbours_borrowed_total", "", 15);
}

static void
test_vm_gauge_counts_every_state(void **state)
{
	static const enum vm_state states[] = { VM_READY, VM_READY, VM_STOPPED,
		VM_BOOTING, VM_READY, VM_SUSPENDED };
	struct vm		   v[sizeof(states) / sizeof(states[0])];
	struct vms		   vs;
	struct metrics		   m;
	size_t			   i;

	(void)state;
	memset(&m, 0, sizeof(m));
	memset(&vs, 0, sizeof(vs));
	memset(v, 0, sizeof(v));
	TAILQ_INIT(&vs.all);
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		v[i].b.name = testutil_str("v%zu.", i);
		v[i].state = states[i];
		TAILQ_INSERT_TAIL(&vs.all, &v[i], entry);
	}
	render(&m, &vs, &ps);
	assert_string_equal(p_family(&ps, "jitsud_vms")->type, "gauge");
	assert_value(&ps, "jitsud_vms", "state=\"ready\"", 3);
	assert_value(&ps, "jitsud_vms", "state=\"stopped\"", 1);
	assert_value(&ps, "jitsud_vms", "state=\"booting\"", 1);
	assert_value(&ps, "jitsud_vms", "state=\"suspended\"", 1);
	/* Every state is listed, the empty ones as 0. */
	assert_value(&ps, "jitsud_vms", "state=\"building\"", 0);
	assert_value(&ps, "jitsud_vms", "state=\"stopping\"", 0);
	assert_value(&ps, "jitsud_vms", "state=\"paused\"", 0);
}

/* Xen's builders: each one's builds in flight, idle ones as 0. */
static void
test_builds_in_flight_per_builder(void **state)
{
	static const enum vm_state states[] = { VM_BUILDING, VM_BUILDING,
		VM_READY, VM_BUILDING };
	static const int	   builders[] = { 2, 2, 1, 0 };
	struct vm		   v[4];
	struct vms		   vs;
	struct metrics		   m;
	size_t			   i;

	(void)state;
	memset(&m, 0, sizeof(m));
	memset(&vs, 0, sizeof(vs));
	memset(v, 0, sizeof(v));
	TAILQ_INIT(&vs.all);
	for (i = 0; i < 4; i++) {
		v[i].b.name = testutil_str("v%zu.", i);
		v[i].state = states[i];
		v[i].builder = builders[i];
		TAILQ_INSERT_TAIL(&vs.all, &v[i], entry);
	}
	render(&m, &vs, &ps);
	assert_null(p_family(&ps, "jitsud_builds_in_flight")); /* no Xen */
	vs.builders = 3;
	render(&m, &vs, &ps);
	assert_string_equal(p_family(&ps, "jitsud_builds_in_flight")->type,
	    "gauge");
	assert_value(&ps, "jitsud_builds_in_flight", "builder=\"1\"", 0);
	assert_value(&ps, "jitsud_builds_in_flight", "builder=\"2\"", 2);
	assert_value(&ps, "jitsud_builds_in_flight", "builder=\"3\"", 0);
}

/*
 * Per bound name: its state, its boots as a histogram and its last
 * summon's phases, the name escaped as a label value must be.
 */
static void
test_every_binding_has_its_own_series(void **state)
{
	struct vm      v[2];
	struct vm_rec  rec;
	struct vms     vs;
	struct metrics m;
	uint64_t       ms;

	(void)state;
	memset(&rec, 0, sizeof(rec));
	memset(&m, 0, sizeof(m));
	memset(&vs, 0, sizeof(vs));
	memset(v, 0, sizeof(v));
	TAILQ_INIT(&vs.all);
	v[0].b.name = testutil_str("www.example.org.");
	v[0].state = VM_READY;
	v[0].rec = &rec;
	metrics_hist_add(&rec.boots, 80);
	metrics_hist_add(&rec.boots, 350);
	metrics_hist_add(&rec.boots, 40000);
	timeline_start(&rec.tl, 1000);
	assert_int_equal(timeline_mark(&rec.tl, TL_CREATED, 1070, &ms), 0);
	assert_int_equal(timeline_mark(&rec.tl, TL_READY, 1350, &ms), 0);
	v[1].b.name = testutil_str("odd\\\"name.");
	v[1].state = VM_STOPPED;
	TAILQ_INSERT_TAIL(&vs.all, &v[0], entry);
	TAILQ_INSERT_TAIL(&vs.all, &v[1], entry);
	render(&m, &vs, &ps);
	assert_type(&ps, "jitsud_binding_state", "gauge");
	assert_type(&ps, "jitsud_binding_boot_seconds", "histogram");
	assert_type(&ps, "jitsud_binding_last_phase_seconds", "gauge");
	assert_value(&ps, "jitsud_binding_state",
	    "name=\"www.example.org.\",state=\"ready\"", 1);
	assert_value(&ps, "jitsud_binding_state",
	    "name=\"odd\\\\\\\"name.\",state=\"stopped\"", 1);
	assert_value(&ps, "jitsud_binding_boot_seconds_bucket",
	    "name=\"www.example.org.\",le=\"0.1\"", 1);
	assert_value(&ps, "jitsud_binding_boot_seconds_bucket",
	    "name=\"www.example.org.\",le=\"0.5\"", 2);
	assert_value(&ps, "jitsud_binding_boot_seconds_bucket",
	    "name=\"www.example.org.\",le=\"30\"", 2);
	assert_value(&ps, "jitsud_binding_boot_seconds_bucket",
	    "name=\"www.example.org.\",le=\"+Inf\"", 3);
	assert_value(&ps, "jitsud_binding_boot_seconds_count",
	    "name=\"www.example.org.\"", 3);
	assert_value(&ps, "jitsud_binding_boot_seconds_sum",
	    "name=\"www.example.org.\"", 40.43);
	assert_value(&ps, "jitsud_binding_boot_seconds_count",
	    "name=\"odd\\\\\\\"name.\"", 0);
	assert_value(&ps, "jitsud_binding_last_phase_seconds",
	    "name=\"www.example.org.\",phase=\"created\"", 0.07);
	assert_value(&ps, "jitsud_binding_last_phase_seconds",
	    "name=\"www.example.org.\",phase=\"ready\"", 0.35);
	/* A phase not reached has no series. */
	assert_false(has_series(&ps, "jitsud_binding_last_phase_seconds",
	    "name=\"www.example.org.\",phase=\"unpaused\""));
}

/* The parser itself must refuse what it is there to catch. */
static void
test_parser_refuses_a_malformed_line(void **state)
{
	static const char *const good = "# HELP x_total X.\n"
					"# TYPE x_total counter\n";
	static const char *const bad[] = {
		"x_total{a=\"1\"} 1\nx_total{a=\"1\"} 2\n", /* twice */
		"x_total{a=1} 1\n",			    /* unquoted */
		"x_total 1 2 3\n",     /* junk after value */
		"x_total\n",	       /* no value */
		"y_total 1\n",	       /* no TYPE */
		"x_total{a=\"1\" 1\n", /* unclosed */
	};
	char   text[256];
	size_t i;

	(void)state;
	snprintf(text, sizeof(text), "%sx_total{a=\"b\\\"c\"} 1\n", good);
	p_parse(&ps, text);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", good, bad[i]);
		if (p_try(&ps, text) == NULL)
			fail_msg("the parser took bad line %zu: %s", i, bad[i]);
	}
}

/* conduit(7)'s answers, by kind; the channels from the broker. */
static size_t
fake_conduits(const void *arg, size_t *pending)
{
	(void)arg;
	*pending = 2;
	return 5;
}

static void
test_conduit_answers_by_kind_and_channels_by_state(void **state)
{
	static const char *const answers[] = { "ok 5 /jitsu/conduit/chan/1",
		"closed", "error malformed", "error unknown", "error self",
		"error limit", "error unavailable", "error timeout",
		"error refused" };
	struct metrics		 m;
	size_t			 i;

	(void)state;
	memset(&m, 0, sizeof(m));
	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		assert_int_equal(metrics_conduit_kind(answers[i]), (int)i);
		m.conduit_answers[i] = 10 + i;
	}
	assert_int_equal(metrics_conduit_kind("error"), -1);
	assert_int_equal(metrics_conduit_kind("error nope"), -1);
	assert_int_equal(metrics_conduit_kind("ok"), -1);
	assert_int_equal(metrics_conduit_kind("closed "), -1);
	assert_int_equal(metrics_conduit_kind(""), -1);
	render(&m, NULL, &ps);
	assert_value(&ps, "jitsud_conduit_answers_total", "answer=\"ok\"", 10);
	assert_value(&ps, "jitsud_conduit_answers_total", "answer=\"closed\"",
	    11);
	assert_value(&ps, "jitsud_conduit_answers_total", "answer=\"refused\"",
	    18);
	assert_type(&ps, "jitsud_conduit_answers_total", "counter");
	/* No broker (the process backend): no channel gauge at all. */
	assert_false(has_series(&ps, "jitsud_conduit_channels",
	    "state=\"open\""));
	m.conduits = fake_conduits;
	render(&m, NULL, &ps);
	assert_value(&ps, "jitsud_conduit_channels", "state=\"open\"", 3);
	assert_value(&ps, "jitsud_conduit_channels", "state=\"pending\"", 2);
	assert_type(&ps, "jitsud_conduit_channels", "gauge");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_binding_has_its_own_series),
		cmocka_unit_test(test_parser_refuses_a_malformed_line),
		cmocka_unit_test(test_fresh_counters_render_well_formed_zeros),
		cmocka_unit_test(
		    test_queries_are_counted_by_type_and_transport),
		cmocka_unit_test(test_each_rcode_name_is_one_series),
		cmocka_unit_test(
		    test_conduit_answers_by_kind_and_channels_by_state),
		cmocka_unit_test(
		    test_boot_histogram_is_cumulative_and_ends_at_count),
		cmocka_unit_test(test_empty_boot_histogram_is_still_complete),
		cmocka_unit_test(
		    test_each_phase_is_its_own_histogram_with_the_boot_buckets),
		cmocka_unit_test(test_unseen_phases_have_no_series),
		cmocka_unit_test(test_every_counter_renders_its_field),
		cmocka_unit_test(test_wire_counters_come_from_the_wire_owner),
		cmocka_unit_test(test_vm_gauge_counts_every_state),
		cmocka_unit_test(test_builds_in_flight_per_builder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
