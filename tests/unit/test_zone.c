/* test_zone.c -- the zone loader (zone*.c): parsing, checks, in-memory form */
#include <arpa/inet.h>
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
#include "testutil.h"

static struct errors errs;

/* Wire form of a presentation name with no escapes, e.g. "www.a.org." */
static size_t
wire(const char *name, uint8_t *out)
{
	size_t n = 0, len;

	if (strcmp(name, ".") == 0)
		name++;
	while (*name != '\0') {
		len = strcspn(name, ".");
		out[n++] = (uint8_t)len;
		memcpy(out + n, name, len);
		n += len;
		name += len;
		if (*name == '.')
			name++;
	}
	out[n++] = 0;
	return n;
}

static const struct zone_node *
lookup(const struct zone *z, const char *name)
{
	uint8_t w[ZONE_NAME_MAX + 1];

	return zone_lookup(z, w, wire(name, w));
}

static const struct zone_rrset *
rrset(const struct zone *z, const char *name, uint16_t type)
{
	const struct zone_node *n = lookup(z, name);

	if (n == NULL)
		fail_msg("%s: no such node", name);
	return zone_node_rrset(n, type);
}

/* All kept errors, one per line, for comparison with a golden file. */
static void
errors_text(char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < errs.count && i < ERRORS_MAX; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s\n", errs.msg[i]);
}

static void
clear_errors(void)
{
	memset(&errs, 0, sizeof(errs));
}

static struct zone *
load_good(void)
{
	struct zone *z;
	char	     text[8192];

	clear_errors();
	if ((z = zone_load("good.zone", &errs)) == NULL) {
		errors_text(text, sizeof(text));
		fail_msg("good.zone did not load:\n%s", text);
	}
	assert_int_equal(errs.count, 0);
	return z;
}

static void
test_good_zone_apex_soa_and_negative_ttl(void **state)
{
	struct zone		*z = load_good();
	const struct zone_rrset *soa;
	uint8_t			 apex[32];

	(void)state;
	/* $ORIGIN Example.ORG. is stored lower-cased. */
	assert_int_equal(z->apex->namelen, wire("example.org.", apex));
	assert_memory_equal(z->apex->name, apex, z->apex->namelen);
	soa = zone_node_rrset(z->apex, 6);
	assert_non_null(soa);
	assert_int_equal(soa->count, 1);
	assert_int_equal(soa->ttl, 3600); /* $TTL 1h */
	assert_int_equal(z->neg_ttl, 45); /* min(3600, minimum 45) */
	assert_int_equal(z->soa_line, 4);
	assert_int_equal(rrset(z, "example.org.", 2)->count, 2);
	assert_int_equal(rrset(z, "example.org.", 15)->count, 1);
	assert_null(zone_node_rrset(z->apex, 1));
	zone_free(z);
}

static void
test_good_zone_rdata_is_wire_form(void **state)
{
	/* rdata names keep the case they were written in ($ORIGIN's). */
	static const uint8_t	 mx[] = "\0\12\4mail\7Example\3ORG";
	static const uint8_t	 txt[] = "\13v=spf1 -all\16second; string";
	static const uint8_t	 srv[] = "\0\0\0\5\0\120\3www\7Example\3ORG";
	struct zone		*z = load_good();
	const struct zone_rrset *s;

	(void)state;
	s = rrset(z, "example.org.", 15);
	assert_int_equal(s->rrs[0].rdlen, sizeof(mx));
	assert_memory_equal(s->rrs[0].rdata, mx, sizeof(mx));
	s = rrset(z, "example.org.", 16);
	assert_int_equal(s->rrs[0].rdlen, sizeof(txt) - 1);
	assert_memory_equal(s->rrs[0].rdata, txt, sizeof(txt) - 1);
	s = rrset(z, "_http._tcp.example.org.", 33);
	assert_int_equal(s->rrs[0].rdlen, sizeof(srv));
	assert_memory_equal(s->rrs[0].rdata, srv, sizeof(srv));
	s = rrset(z, "ns1.example.org.", 28); /* "IN 300 AAAA" */
	assert_int_equal(s->ttl, 300);
	assert_int_equal(s->rrs[0].rdlen, 16);
	zone_free(z);
}

static void
test_duplicates_merge_and_order_is_kept(void **state)
{
	struct zone		*z = load_good();
	const struct zone_rrset *s = rrset(z, "mail.example.org.", 1);

	(void)state;
	assert_int_equal(s->count, 2);
	assert_memory_equal(s->rrs[0].rdata, "\300\0\2\31", 4);
	assert_memory_equal(s->rrs[1].rdata, "\300\0\2\32", 4);
	zone_free(z);
}

static void
test_bindings_answer_from_their_addresses(void **state)
{
	struct zone		*z = load_good();
	const struct zone_node	*www = lookup(z, "www.example.org.");
	const struct zone_node	*api = lookup(z, "api.example.org.");
	const struct zone_rrset *a, *aaaa;

	(void)state;
	assert_int_equal(z->nbindings, 2);
	assert_non_null(www->binding);
	assert_string_equal(www->binding->name, "www.example.org.");
	assert_string_equal(www->binding->kernel, "/var/lib/jitsu/www.xen");
	assert_int_equal(www->binding->ttl, 3600);
	a = zone_node_rrset(www, 1);
	assert_non_null(a);
	assert_int_equal(a->ttl, 3600);
	assert_memory_equal(a->rrs[0].rdata, "\12\0\0\12", 4);
	assert_null(zone_node_rrset(www, 28));
	/* A binding spread over lines with parentheses; ';' in quotes. */
	assert_non_null(api->binding);
	assert_string_equal(api->binding->cmdline,
	    "--name \"api\" ; not a comment");
	assert_int_equal(api->binding->ttl, 60);
	/* conduit= made absolute with the origin, '@' the origin itself */
	assert_string_equal(api->binding->conduit,
	    "store.example.org.,kv.example.org.,example.org.");
	assert_null(www->binding->conduit);
	assert_null(api->binding->file); /* in the zone's own file */
	aaaa = zone_node_rrset(api, 28);
	assert_non_null(aaaa);
	assert_int_equal(aaaa->ttl, 60);
	assert_int_equal(aaaa->rrs[0].rdata[15], 0x11);
	assert_null(lookup(z, "blog.example.org.")->binding);
	zone_free(z);
}

static void
test_empty_non_terminals_have_no_records(void **state)
{
	struct zone *z = load_good();

	(void)state;
	assert_int_equal(lookup(z, "a.b.c.example.org.")->nsets, 1);
	assert_non_null(lookup(z, "b.c.example.org."));
	assert_int_equal(lookup(z, "b.c.example.org.")->nsets, 0);
	assert_int_equal(lookup(z, "c.example.org.")->nsets, 0);
	assert_int_equal(lookup(z, "_tcp.example.org.")->nsets, 0);
	assert_int_equal(lookup(z, "sub.example.org.")->nsets, 0);
	assert_int_equal(lookup(z, "host.sub.example.org.")->nsets, 1);
	assert_null(lookup(z, "nope.example.org."));
	assert_null(lookup(z, "x.a.b.c.example.org."));
	assert_null(lookup(z, "org."));
	zone_free(z);
}

static void
test_nodes_are_sorted_for_binary_search(void **state)
{
	struct zone *z = load_good();
	size_t	     i, n;
	int	     c;

	(void)state;
	for (i = 1; i < z->nnodes; i++) {
		n = z->nodes[i - 1].namelen < z->nodes[i].namelen ?
		    z->nodes[i - 1].namelen :
		    z->nodes[i].namelen;
		c = memcmp(z->nodes[i - 1].name, z->nodes[i].name, n);
		assert_true(c < 0 ||
		    (c == 0 && z->nodes[i - 1].namelen < z->nodes[i].namelen));
	}
	for (i = 0; i < z->nnodes; i++)
		assert_ptr_equal(zone_lookup(z, z->nodes[i].name,
				     z->nodes[i].namelen),
		    &z->nodes[i]);
	zone_free(z);
}

/* Each bad-X.zone loads with exactly the errors listed in bad-X.errors. */
static void
test_bad_zones_match_their_golden_errors(void **state)
{
	glob_t g;
	char   path[256], want[8192], got[8192];
	size_t i, n;
	FILE  *fp;
	int    failed = 0;

	(void)state;
	assert_int_equal(glob("bad-*.zone", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 6);
	for (i = 0; i < g.gl_pathc; i++) {
		snprintf(path, sizeof(path), "%.*s.errors",
		    (int)(strlen(g.gl_pathv[i]) - 5), g.gl_pathv[i]);
		assert_non_null(fp = fopen(path, "r"));
		n = fread(want, 1, sizeof(want) - 1, fp);
		want[n] = '\0';
		fclose(fp);
		clear_errors();
		assert_null(zone_load(g.gl_pathv[i], &errs));
		errors_text(got, sizeof(got));
		if (strcmp(want, got) != 0) {
			print_error("%s:\n--- expected\n%s--- got\n%s",
			    g.gl_pathv[i], want, got);
			failed = 1;
		}
	}
	globfree(&g);
	assert_false(failed);
}

static void
test_missing_file_is_one_error(void **state)
{
	(void)state;
	clear_errors();
	assert_null(zone_load("no-such.zone", &errs));
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msg[0],
	    "no-such.zone: No such file or directory");
}

/* Errors past the bound are counted, not kept, and nothing overflows. */
static void
test_error_count_is_bounded(void **state)
{
	char  path[] = "/tmp/jitsud-zone-XXXXXX", want[64];
	FILE *fp;
	int   fd, i;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(fp = fdopen(fd, "w"));
	fprintf(fp,
	    "$ORIGIN example.org.\n$TTL 30\n"
	    "@ SOA ns1 h 1 2 3 4 5\n");
	for (i = 0; i < ERRORS_MAX + 10; i++)
		fprintf(fp, "h%d A 192.0.2.999\n", i);
	fclose(fp);
	clear_errors();
	assert_null(zone_load(path, &errs));
	unlink(path);
	assert_int_equal(errs.count, ERRORS_MAX + 10);
	snprintf(want, sizeof(want), "%s:4: bad A record", path);
	assert_memory_equal(errs.msg[0], want, strlen(want));
	assert_int_equal(errs.line[ERRORS_MAX - 1], ERRORS_MAX + 3);
}

/*
 * Records whose rdata ends in a quoted string (CAA at the apex is
 * common), also over two lines: ldns refuses a blank after the final
 * quote, and the reader ends every line with one.
 */
/* The zone of `text', loaded from a file of its own; the test fails if not. */
static struct zone *
load_text(const char *text)
{
	char	     path[] = "/tmp/jitsud-zone-XXXXXX";
	FILE	    *fp;
	int	     fd;
	struct zone *z;

	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(fp = fdopen(fd, "w"));
	fputs(text, fp);
	fclose(fp);
	clear_errors();
	z = zone_load(path, &errs);
	unlink(path);
	if (z == NULL)
		fail_msg("%s", errs.count ? errs.msg[0] : "no zone");
	return z;
}

static void
test_final_quoted_field_loads(void **state)
{
	static const uint8_t	 caa[] = "\0\5issue"
					 "letsencrypt.org";
	static const uint8_t	 hinfo[] = "\2PC\5Linux";
	struct zone		*z;
	const struct zone_rrset *s;

	(void)state;
	z = load_text("$ORIGIN example.org.\n$TTL 30\n"
		      "@ SOA ns1 h 1 2 3 4 5\n"
		      "@ CAA 0 issue \"letsencrypt.org\"\n"
		      "h HINFO \"PC\" \"Linux\"   \n"
		      "u URI ( 10 1\n \"https://example.org/\" )\n");
	s = rrset(z, "example.org.", 257);
	assert_int_equal(s->rrs[0].rdlen, sizeof(caa) - 1);
	assert_memory_equal(s->rrs[0].rdata, caa, sizeof(caa) - 1);
	s = rrset(z, "h.example.org.", 13);
	assert_int_equal(s->rrs[0].rdlen, sizeof(hinfo) - 1);
	assert_memory_equal(s->rrs[0].rdata, hinfo, sizeof(hinfo) - 1);
	s = rrset(z, "u.example.org.", 256);
	assert_int_equal(s->rrs[0].rdlen, 4 + strlen("https://example.org/"));
	zone_free(z);
}

/* RFC 3597's generic class and type: CLASS1 is IN, TYPE15 with \# an MX. */
static void
test_rfc3597_class_and_type_load(void **state)
{
	static const uint8_t	 mx[] = { 0, 10, 0 };
	struct zone		*z;
	const struct zone_rrset *s;

	(void)state;
	z = load_text("$ORIGIN example.org.\n$TTL 30\n"
		      "@ CLASS1 SOA ns1 h 1 2 3 4 5\n"
		      "ns1 class1 A 192.0.2.1\n"
		      "m 60 CLASS1 TYPE15 \\# 3 000a00\n");
	assert_non_null(rrset(z, "ns1.example.org.", 1));
	s = rrset(z, "m.example.org.", 15);
	assert_int_equal(s->ttl, 60);
	assert_int_equal(s->rrs[0].rdlen, sizeof(mx));
	assert_memory_equal(s->rrs[0].rdata, mx, sizeof(mx));
	zone_free(z);
}

static void
test_name_under(void **state)
{
	uint8_t a[64], b[64];
	size_t	na, nb;

	(void)state;
	na = wire("www.Example.org.", a);
	nb = wire("example.ORG.", b);
	assert_true(zone_name_under(a, na, b, nb));
	assert_true(zone_name_under(b, nb, b, nb));
	assert_false(zone_name_under(b, nb, a, na));
	na = wire("wwwexample.org.", a);
	assert_false(zone_name_under(a, na, b, nb));
	na = wire("example.org.uk.", a);
	assert_false(zone_name_under(a, na, b, nb));
	nb = wire(".", b);
	assert_true(zone_name_under(a, na, b, nb));
}

static void
test_zone_set_finds_the_closest_zone(void **state)
{
	static const char *const paths[] = { "good.zone", "sub.zone" };
	struct zone_set		*s;
	uint8_t			 w[64];

	(void)state;
	clear_errors();
	assert_non_null(s = zone_set_load(paths, 2, &errs));
	assert_int_equal(s->nzones, 2);
	assert_ptr_equal(zone_set_find(s, w, wire("x.sub.example.org.", w)),
	    s->zones[1]);
	assert_ptr_equal(zone_set_find(s, w, wire("sub.example.org.", w)),
	    s->zones[1]);
	assert_ptr_equal(zone_set_find(s, w, wire("www.example.org.", w)),
	    s->zones[0]);
	assert_ptr_equal(zone_set_find(s, w, wire("example.org.", w)),
	    s->zones[0]);
	assert_null(zone_set_find(s, w, wire("org.", w)));
	assert_null(zone_set_find(s, w, wire("example.com.", w)));
	assert_null(zone_set_find(s, w, wire("xexample.org.", w)));
	assert_null(zone_set_find(s, w, wire(".", w)));
	zone_set_free(s);
}

static void
test_zone_set_refuses_the_same_apex_twice(void **state)
{
	static const char *const paths[] = { "good.zone", "sub.zone",
		"good.zone", "bad-nosoa.zone" };

	(void)state;
	clear_errors();
	assert_null(zone_set_load(paths, 4, &errs));
	assert_int_equal(errs.count, 2);
	assert_string_equal(errs.msg[0],
	    "good.zone:4: this zone is already loaded from good.zone");
	assert_string_equal(errs.msg[1], "bad-nosoa.zone: no SOA record");
}

/*
 * A conduit name served by bindings of two zones: the one in the file
 * given later is in error, named by its own ($INCLUDEd) file and line.
 */
static void
test_zone_set_refuses_a_conduit_name_served_twice(void **state)
{
	static const char *const ab[] = { "twin-a.zone", "twin-b.zone" };
	static const char *const ba[] = { "twin-b.zone", "twin-a.zone" };
	struct zone_set		*s;

	(void)state;
	clear_errors();
	assert_null(zone_set_load(ab, 2, &errs));
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msg[0],
	    "twin-inc.zone:2: conduit name store.sub.example.org. is also "
	    "served by the binding at twin-a.zone:6");
	clear_errors();
	assert_null(zone_set_load(ba, 2, &errs));
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msg[0],
	    "twin-a.zone:6: conduit name store.sub.example.org. is also "
	    "served by the binding at twin-inc.zone:2");
	clear_errors();
	assert_non_null(s = zone_set_load(ab, 1, &errs));
	zone_set_free(s);
	assert_non_null(s = zone_set_load(ba, 1, &errs));
	assert_string_equal(s->zones[0]->bindings[0].file, "twin-inc.zone");
	assert_string_equal(s->zones[0]->bindings[0].conduit,
	    "store.sub.example.org.,other.sub.example.org.");
	zone_set_free(s);
	assert_int_equal(errs.count, 0);
}

/* The fixtures live in tests/conf; messages name files relative to it. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_zone_apex_soa_and_negative_ttl),
		cmocka_unit_test(test_good_zone_rdata_is_wire_form),
		cmocka_unit_test(test_duplicates_merge_and_order_is_kept),
		cmocka_unit_test(test_bindings_answer_from_their_addresses),
		cmocka_unit_test(test_empty_non_terminals_have_no_records),
		cmocka_unit_test(test_nodes_are_sorted_for_binary_search),
		cmocka_unit_test(test_bad_zones_match_their_golden_errors),
		cmocka_unit_test(test_missing_file_is_one_error),
		cmocka_unit_test(test_error_count_is_bounded),
		cmocka_unit_test(test_final_quoted_field_loads),
		cmocka_unit_test(test_rfc3597_class_and_type_load),
		cmocka_unit_test(test_name_under),
		cmocka_unit_test(test_zone_set_finds_the_closest_zone),
		cmocka_unit_test(test_zone_set_refuses_the_same_apex_twice),
		cmocka_unit_test(
		    test_zone_set_refuses_a_conduit_name_served_twice),
	};

	return cmocka_run_group_tests(tests, testutil_enter_conf_dir, NULL);
}
