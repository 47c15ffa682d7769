/* test_synrec.c -- unit tests of the Synjitsu hand-over record */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "libuk.h"
#include "synrec.h"

/* A valid line: "hello" from 10.0.0.1:40000 to port 80. */
static const char good[] =
    "v=1 peer=10.0.0.1:40000 local=10.0.0.2:80 "
    "irs=1000 iss=5000 rcv_nxt=1006 snd_nxt=5001 mss=1460 peer_wscale=7 "
    "wscale=0 peer_wnd=65536 fin=0 data=aGVsbG8=";
/* The same with the optional hop, where the encoder puts it. */
static const char good_hop[] =
    "v=1 peer=10.0.0.1:40000 local=10.0.0.2:80 "
    "irs=1000 iss=5000 rcv_nxt=1006 snd_nxt=5001 mss=1460 peer_wscale=7 "
    "wscale=0 peer_wnd=65536 fin=0 hop=10.0.0.1/02:00:5e:1a:ff:01 "
    "data=aGVsbG8=";
static const uint8_t hop_mac[6] = { 0x02, 0x00, 0x5e, 0x1a, 0xff, 0x01 };
static const uint8_t zero_mac[6];

/* clang-format off */
static const char *const key_names[] = {
	"v", "peer", "local", "irs", "iss", "rcv_nxt", "snd_nxt", "mss",
	"peer_wscale", "wscale", "peer_wnd", "fin", "data",
};
/* clang-format on */
#define NKEYS (sizeof(key_names) / sizeof(key_names[0]))

/* printf.c (for snprintf) wants a console; nothing here prints. */
void
uk_console_write(const char *buf, size_t len)
{
	(void)buf;
	(void)len;
}

static char line[4 * SYNREC_LINE_MAX];
static char enc[SYNREC_LINE_MAX];
static struct synrec rec, rec2;

/* xorshift64*: deterministic, so a failure reproduces. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32);
}

static void
rec_equal(const struct synrec *a, const struct synrec *b)
{
	assert_int_equal(a->peer_ip, b->peer_ip);
	assert_int_equal(a->peer_port, b->peer_port);
	assert_int_equal(a->local_ip, b->local_ip);
	assert_int_equal(a->local_port, b->local_port);
	assert_int_equal(a->irs, b->irs);
	assert_int_equal(a->iss, b->iss);
	assert_int_equal(a->rcv_nxt, b->rcv_nxt);
	assert_int_equal(a->snd_nxt, b->snd_nxt);
	assert_int_equal(a->mss, b->mss);
	assert_int_equal(a->peer_wscale, b->peer_wscale);
	assert_int_equal(a->wscale, b->wscale);
	assert_int_equal(a->peer_wnd, b->peer_wnd);
	assert_int_equal(a->fin, b->fin);
	assert_int_equal(a->hop_ip, b->hop_ip);
	assert_memory_equal(a->hop_mac, b->hop_mac, 6);
	assert_int_equal(a->datalen, b->datalen);
	if (a->datalen > 0)
		assert_memory_equal(a->data, b->data, a->datalen);
}

/* A random record that synrec_check accepts. */
static void
rec_random(struct synrec *r, size_t datalen)
{
	static const int ws[] = { -1, 0, 14 };
	size_t i;

	r->peer_ip = rnd();
	r->peer_port = (uint16_t)(rnd() % 65535 + 1);
	r->local_ip = rnd();
	r->local_port = (uint16_t)(rnd() % 65535 + 1);
	r->irs = rnd();
	r->iss = rnd();
	r->snd_nxt = r->iss + 1;
	r->fin = (int)(rnd() & 1);
	r->datalen = datalen;
	for (i = 0; i < datalen; i++)
		r->data[i] = (uint8_t)rnd();
	r->rcv_nxt = r->irs + 1 + (uint32_t)datalen + (uint32_t)r->fin;
	r->mss = (uint16_t)(rnd() % 65535 + 1);
	r->peer_wscale = rnd() % 2 ? ws[rnd() % 3] : (int)(rnd() % 16) - 1;
	r->wscale = r->peer_wscale < 0 ? 0 : (int)(rnd() % 15);
	r->peer_wnd = rnd();
	/* Half with a hop (any station's MAC), half without. */
	r->hop_ip = rnd() % 2 ? rnd() | 1 : 0;
	for (i = 0; i < 6; i++)
		r->hop_mac[i] = r->hop_ip != 0 ? (uint8_t)rnd() : 0;
	r->hop_mac[0] &= 0xfe;
	if (r->hop_ip != 0)
		r->hop_mac[5] |= 1;
}

/* Decodes s and checks it fails saying exactly want. */
static void
refused(const char *s, const char *want)
{
	const char *why = NULL;

	if (synrec_decode(s, &rec, &why) == 0)
		fail_msg("accepted \"%s\", expected \"%s\"", s, want);
	assert_non_null(why);
	if (strcmp(why, want) != 0)
		fail_msg("\"%.80s...\": said \"%s\", expected \"%s\"", s, why,
		    want);
}

static void
accepted(const char *s)
{
	const char *why = NULL;

	if (synrec_decode(s, &rec, &why) != 0)
		fail_msg("refused \"%.100s\": %s", s, why);
}

/*
 * base with field key changed: value NULL drops it, dup repeats it, else
 * the value is replaced.  The result is in line (base may be line).
 */
static void
edit_line(const char *base, const char *key, const char *value, int dup)
{
	static char copy[sizeof(line)];
	const char *p = copy, *sp;
	size_t n, klen = strlen(key), used = 0;

	strlcpy(copy, base, sizeof(copy));
	line[0] = '\0';
	while (*p != '\0') {
		sp = strchr(p, ' ');
		n = sp != NULL ? (size_t)(sp - p) : strlen(p);
		if (n > klen && memcmp(p, key, klen) == 0 && p[klen] == '=') {
			if (value != NULL && !dup)
				used += (size_t)snprintf(line + used,
				    sizeof(line) - used, "%s=%s ", key, value);
			if (dup)
				used += (size_t)snprintf(line + used,
				    sizeof(line) - used, "%.*s %.*s ", (int)n,
				    p, (int)n, p);
		} else
			used += (size_t)snprintf(line + used,
			    sizeof(line) - used, "%.*s ", (int)n, p);
		p += n + (sp != NULL);
	}
	if (used > 0)
		line[used - 1] = '\0'; /* the last space */
}

static void
edit(const char *key, const char *value, int dup)
{
	edit_line(good, key, value, dup);
}

static void
test_good_line_decodes_to_its_fields(void **state)
{
	(void)state;
	accepted(good);
	assert_int_equal(rec.peer_ip, 0x0a000001u);
	assert_int_equal(rec.peer_port, 40000);
	assert_int_equal(rec.local_ip, 0x0a000002u);
	assert_int_equal(rec.local_port, 80);
	assert_int_equal(rec.irs, 1000);
	assert_int_equal(rec.iss, 5000);
	assert_int_equal(rec.rcv_nxt, 1006);
	assert_int_equal(rec.snd_nxt, 5001);
	assert_int_equal(rec.mss, 1460);
	assert_int_equal(rec.peer_wscale, 7);
	assert_int_equal(rec.wscale, 0);
	assert_int_equal(rec.peer_wnd, 65536);
	assert_int_equal(rec.fin, 0);
	assert_int_equal(rec.datalen, 5);
	assert_memory_equal(rec.data, "hello", 5);
}

static void
test_encode_writes_the_documented_line(void **state)
{
	(void)state;
	accepted(good);
	assert_int_equal(synrec_encode(&rec, enc, sizeof(enc)),
	    (int)strlen(good));
	assert_string_equal(enc, good);
}

static void
test_round_trip_every_data_length(void **state)
{
	size_t len;
	int n;

	(void)state;
	for (len = 0; len <= SYNREC_DATA_MAX; len++) {
		rec_random(&rec2, len);
		n = synrec_encode(&rec2, enc, sizeof(enc));
		assert_true(n > 0 && n < SYNREC_LINE_MAX);
		assert_int_equal((size_t)n, strlen(enc));
		accepted(enc);
		rec_equal(&rec, &rec2);
	}
}

static void
test_round_trip_fin_and_window_scale_corners(void **state)
{
	static const int ws[] = { -1, 0, 14 };
	int fin, i, k;

	(void)state;
	for (k = 0; k < 200; k++)
		for (fin = 0; fin <= 1; fin++)
			for (i = 0; i < 3; i++) {
				rec_random(&rec2,
				    rnd() % (SYNREC_DATA_MAX + 1));
				rec2.fin = fin;
				rec2.rcv_nxt = rec2.irs + 1 +
				    (uint32_t)rec2.datalen + (uint32_t)fin;
				rec2.peer_wscale = ws[i];
				rec2.wscale = ws[i] < 0 ? 0 : 14 - ws[i];
				assert_true(synrec_encode(&rec2, enc,
						sizeof(enc)) > 0);
				accepted(enc);
				rec_equal(&rec, &rec2);
			}
}

static void
test_largest_record_fits_a_line(void **state)
{
	int n;

	(void)state;
	rec_random(&rec2, SYNREC_DATA_MAX);
	rec2.peer_ip = rec2.local_ip = 0xffffffffu;
	rec2.peer_port = rec2.local_port = rec2.mss = 65535;
	rec2.irs = rec2.iss = 0xfffffff0u;
	rec2.snd_nxt = rec2.iss + 1;
	rec2.fin = 1;
	rec2.rcv_nxt = rec2.irs + 1 + SYNREC_DATA_MAX + 1; /* wraps */
	rec2.peer_wscale = rec2.wscale = 14;
	rec2.peer_wnd = 0xffffffffu;
	rec2.hop_ip = 0xffffffffu;
	memset(rec2.hop_mac, 0xff, 6);
	rec2.hop_mac[0] = 0xfe;
	n = synrec_encode(&rec2, enc, sizeof(enc));
	assert_true(n > 0 && n < SYNREC_LINE_MAX);
	accepted(enc);
	rec_equal(&rec, &rec2);
}

static void
test_any_order_unknown_keys_and_a_newline_are_fine(void **state)
{
	(void)state;
	accepted("data=aGVsbG8= fin=0 peer_wnd=65536 wscale=0 "
		 "peer_wscale=7 mss=1460 snd_nxt=5001 rcv_nxt=1006 iss=5000 "
		 "irs=1000 local=10.0.0.2:80 peer=10.0.0.1:40000 v=1");
	assert_int_equal(rec.datalen, 5);
	snprintf(line, sizeof(line), "%s ttl=3 x-new=a=b,c sack=1\n", good);
	accepted(line);
	assert_int_equal(rec.iss, 5000);
	/* Unknown keys repeat freely; they are not looked at. */
	snprintf(line, sizeof(line), "z=1 %s z=2", good);
	accepted(line);
}

static void
test_every_missing_key_is_named(void **state)
{
	char want[32];
	size_t k;

	(void)state;
	for (k = 0; k < NKEYS; k++) {
		edit(key_names[k], NULL, 0);
		snprintf(want, sizeof(want), "%s: missing", key_names[k]);
		refused(line, want);
	}
	refused("", "empty line");
	refused("\n", "empty line");
}

static void
test_every_repeated_key_is_named(void **state)
{
	char want[32];
	size_t k;

	(void)state;
	for (k = 0; k < NKEYS; k++) {
		edit(key_names[k], NULL, 1);
		snprintf(want, sizeof(want), "%s: repeated", key_names[k]);
		refused(line, want);
	}
}

struct bad_value {
	const char *key;
	const char *value;
	const char *why;
};

static void
test_every_malformed_or_out_of_range_value_is_named(void **state)
{
	static const struct bad_value bad[] = {
		{ "v", "2", "v: unsupported version" },
		{ "v", "01", "v: malformed" },
		{ "v", "", "v: malformed" },
		{ "v", "99999999999", "v: out of range" },
		{ "irs", "", "irs: malformed" },
		{ "irs", "-1", "irs: malformed" },
		{ "irs", "+1000", "irs: malformed" },
		{ "irs", "01000", "irs: malformed" },
		{ "irs", "1000x", "irs: malformed" },
		{ "irs", "0x3e8", "irs: malformed" },
		{ "irs", "4294967296", "irs: out of range" },
		{ "iss", "18446744073709551616", "iss: out of range" },
		{ "rcv_nxt", "1e3", "rcv_nxt: malformed" },
		{ "snd_nxt", "5001.0", "snd_nxt: malformed" },
		{ "peer", "10.0.0.1", "peer: malformed" },
		{ "peer", "10.0.0.1:", "peer: malformed" },
		{ "peer", "10.0.0:40000", "peer: malformed" },
		{ "peer", "10.0.0.1.1:40000", "peer: malformed" },
		{ "peer", "10.0..1:40000", "peer: malformed" },
		{ "peer", ".10.0.0.1:40000", "peer: malformed" },
		{ "peer", "10.0.0.01:40000", "peer: malformed" },
		{ "peer", "10.0.0.256:40000", "peer: out of range" },
		{ "peer", "10.0.0.1:65536", "peer: out of range" },
		{ "peer", "10.0.0.1:40000:1", "peer: malformed" },
		{ "peer", "10.0.0.1:-1", "peer: malformed" },
		{ "local", ":80", "local: malformed" },
		{ "local", "a.b.c.d:80", "local: malformed" },
		{ "mss", "65536", "mss: out of range" },
		{ "mss", "-536", "mss: malformed" },
		{ "peer_wscale", "15", "peer_wscale: out of range" },
		{ "peer_wscale", "-2", "peer_wscale: malformed" },
		{ "peer_wscale", "-0", "peer_wscale: malformed" },
		{ "peer_wscale", "-", "peer_wscale: malformed" },
		{ "wscale", "-1", "wscale: malformed" },
		{ "wscale", "15", "wscale: out of range" },
		{ "peer_wnd", "4294967296", "peer_wnd: out of range" },
		{ "fin", "2", "fin: out of range" },
		{ "fin", "yes", "fin: malformed" },
		{ "data", "aGVsbG8", "data: malformed" },  /* no padding */
		{ "data", "aGVsbG9=", "data: malformed" }, /* slack bits */
		{ "data", "aGVsbA=", "data: malformed" },
		{ "data", "aGVsbA==x", "data: malformed" },
		{ "data", "aG=sbG8=", "data: malformed" }, /* '=' inside */
		{ "data", "aGVs====", "data: malformed" },
		{ "data", "aGVsb===", "data: malformed" },
		{ "data", "aA==aA==", "data: malformed" }, /* pad, more */
		{ "data", "aGVs-G8=", "data: malformed" }, /* base64url */
		{ "data", "aGVs_G8=", "data: malformed" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		edit(bad[i].key, bad[i].value, 0);
		refused(line, bad[i].why);
	}
}

static void
test_every_number_key_refuses_odd_spellings_and_big_values(void **state)
{
	static const char *const numeric[] = { "v", "irs", "iss", "rcv_nxt",
		"snd_nxt", "mss", "peer_wscale", "wscale", "peer_wnd", "fin" };
	static const char *const odd[] = { "", "+1", "01", "00", "1x", "x1",
		"0x1", "1.0", "1e3", "1,0", "--1", "1-" };
	/* Just past each key's range, in the same order as numeric[]. */
	static const char *const big[] = { "4294967296", "4294967296",
		"4294967296", "4294967296", "4294967296", "65536", "15", "15",
		"4294967296", "2" };
	char want[48];
	size_t k, i;

	(void)state;
	for (k = 0; k < sizeof(numeric) / sizeof(numeric[0]); k++) {
		snprintf(want, sizeof(want), "%s: malformed", numeric[k]);
		for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
			edit(numeric[k], odd[i], 0);
			refused(line, want);
		}
		snprintf(want, sizeof(want), "%s: out of range", numeric[k]);
		edit(numeric[k], big[k], 0);
		refused(line, want);
		edit(numeric[k], "99999999999999999999999", 0);
		refused(line, want);
	}
}

static void
test_inconsistent_records_are_refused_by_the_check(void **state)
{
	size_t n;

	(void)state;
	edit("snd_nxt", "5002", 0);
	refused(line, "snd_nxt is not iss + 1");
	edit("rcv_nxt", "1007", 0);
	refused(line, "rcv_nxt is not irs + 1 + datalen + fin");
	edit("fin", "1", 0);
	refused(line, "rcv_nxt is not irs + 1 + datalen + fin");
	edit_line(line, "rcv_nxt", "1007", 0);
	accepted(line);
	assert_int_equal(rec.fin, 1);
	edit("mss", "0", 0);
	refused(line, "mss is 0");
	edit("peer", "10.0.0.1:0", 0);
	refused(line, "peer port is 0");
	edit("local", "10.0.0.2:0", 0);
	refused(line, "local port is 0");
	edit("wscale", "14", 0);
	accepted(line);
	assert_int_equal(rec.wscale, 14);
	edit("peer_wscale", "-1", 0);
	accepted(line);
	assert_int_equal(rec.peer_wscale, -1);
	/* Without the client's option our SYN-ACK could offer no scale. */
	edit_line(line, "wscale", "3", 0);
	refused(line, "wscale is not 0 without peer_wscale");
	/* More bytes than a record may carry: 2049 zeros, 683 groups. */
	rec_random(&rec2, 10);
	assert_true(synrec_encode(&rec2, enc, sizeof(enc)) > 0);
	edit_line(enc, "data", NULL, 0);
	n = strlen(line);
	n += (size_t)snprintf(line + n, sizeof(line) - n, " data=");
	memset(line + n, 'A', 683 * 4);
	line[n + 683 * 4] = '\0';
	refused(line, "data: out of range");
	line[n + 682 * 4] = '\0'; /* 2046 bytes: in range */
	refused(line, "rcv_nxt is not irs + 1 + datalen + fin");
}

static void
test_stray_spaces_and_odd_bytes_are_refused(void **state)
{
	(void)state;
	snprintf(line, sizeof(line), " %s", good);
	refused(line, "stray space");
	snprintf(line, sizeof(line), "%s ", good);
	refused(line, "stray space");
	edit("fin", "0 ", 0); /* two spaces after fin=0 */
	refused(line, "stray space");
	snprintf(line, sizeof(line), "%s\n\n", good);
	refused(line, "byte that is not printable ASCII");
	snprintf(line, sizeof(line), "%s\r\n", good);
	refused(line, "byte that is not printable ASCII");
	snprintf(line, sizeof(line), "%s\tx=1", good);
	refused(line, "byte that is not printable ASCII");
	snprintf(line, sizeof(line), "%s x=\xc3\xa9", good);
	refused(line, "byte that is not printable ASCII");
	snprintf(line, sizeof(line), "%s junk", good);
	refused(line, "field that is not key=value");
	snprintf(line, sizeof(line), "%s =1", good);
	refused(line, "field that is not key=value");
}

static void
test_every_truncation_is_refused(void **state)
{
	size_t len, cut;

	(void)state;
	rec_random(&rec2, 300);
	len = (size_t)synrec_encode(&rec2, enc, sizeof(enc));
	for (cut = 0; cut < len; cut++) {
		memcpy(line, enc, cut);
		line[cut] = '\0';
		if (synrec_decode(line, &rec, NULL) == 0)
			fail_msg("accepted the first %zu of %zu bytes", cut,
			    len);
	}
	accepted(enc);
}

static void
test_line_length_limit_is_exact(void **state)
{
	size_t n = strlen(good);

	(void)state;
	/* Padded with an unknown key to SYNREC_LINE_MAX - 1 bytes: fits. */
	memcpy(line, good, n);
	memcpy(line + n, " pad=", 5);
	memset(line + n + 5, 'x', SYNREC_LINE_MAX - 1 - n - 5);
	line[SYNREC_LINE_MAX - 1] = '\0';
	accepted(line);
	line[SYNREC_LINE_MAX - 1] = '\n'; /* its newline does not count */
	line[SYNREC_LINE_MAX] = '\0';
	accepted(line);
	line[SYNREC_LINE_MAX - 1] = 'x'; /* one byte more: refused */
	refused(line, "line too long");
	memset(line + SYNREC_LINE_MAX, 'x', sizeof(line) - SYNREC_LINE_MAX);
	line[sizeof(line) - 1] = '\0';
	refused(line, "line too long");
}

static void
test_encode_refuses_bad_records_and_short_buffers(void **state)
{
	char *buf;
	size_t size;
	int n;

	(void)state;
	rec_random(&rec2, 40);
	n = synrec_encode(&rec2, enc, sizeof(enc));
	assert_true(n > 0);
	/* Every buffer too short, allocated to size so ASan sees overruns. */
	for (size = 0; size <= (size_t)n; size++) {
		buf = test_malloc(size > 0 ? size : 1);
		assert_int_equal(synrec_encode(&rec2, buf, size), -1);
		if (size > 0)
			assert_int_equal(buf[0], '\0');
		test_free(buf);
	}
	buf = test_malloc((size_t)n + 1);
	assert_int_equal(synrec_encode(&rec2, buf, (size_t)n + 1), n);
	assert_string_equal(buf, enc);
	test_free(buf);
	rec2.snd_nxt++;
	assert_int_equal(synrec_encode(&rec2, enc, sizeof(enc)), -1);
	rec2.snd_nxt--;
	rec2.datalen = SYNREC_DATA_MAX + 1;
	assert_int_equal(synrec_encode(&rec2, enc, sizeof(enc)), -1);
	rec2.datalen = 40;
	rec2.fin = 2;
	assert_int_equal(synrec_encode(&rec2, enc, sizeof(enc)), -1);
	rec2.fin = 0;
	rec2.peer_wscale = 15;
	assert_int_equal(synrec_encode(&rec2, enc, sizeof(enc)), -1);
	rec2.peer_wscale = -2;
	assert_int_equal(synrec_encode(&rec2, enc, sizeof(enc)), -1);
}

static void
test_hop_decodes_and_encodes_before_data(void **state)
{
	(void)state;
	accepted(good_hop);
	assert_int_equal(rec.hop_ip, 0x0a000001u);
	assert_memory_equal(rec.hop_mac, hop_mac, 6);
	assert_int_equal(rec.datalen, 5);
	assert_int_equal(synrec_encode(&rec, enc, sizeof(enc)),
	    (int)strlen(good_hop));
	assert_string_equal(enc, good_hop);
	/* Any place in the line will do, as for every key. */
	edit_line(good_hop, "hop", NULL, 0);
	snprintf(enc, sizeof(enc), "hop=10.0.0.1/02:00:5e:1a:ff:01 %s", line);
	accepted(enc);
	assert_int_equal(rec.hop_ip, 0x0a000001u);
	assert_memory_equal(rec.hop_mac, hop_mac, 6);
}

static void
test_record_without_hop_decodes_with_none(void **state)
{
	(void)state;
	/* Whatever rec held before, as after a record with a hop. */
	rec.hop_ip = 0x0a000001u;
	memcpy(rec.hop_mac, hop_mac, 6);
	accepted(good);
	assert_int_equal(rec.hop_ip, 0);
	assert_memory_equal(rec.hop_mac, zero_mac, 6);
	/* And encodes without the key, as an older jitsud wrote it. */
	assert_int_equal(synrec_encode(&rec, enc, sizeof(enc)),
	    (int)strlen(good));
	assert_string_equal(enc, good);
}

static void
test_every_malformed_hop_is_refused(void **state)
{
	static const struct bad_value bad[] = {
		{ "hop", "10.0.0.1/02:00:5E:1A:FF:01", "hop: malformed" },
		{ "hop", "10.0.0.1/02:00:5e:1a:ff:0A", "hop: malformed" },
		{ "hop", "10.0.0.1/02:00:5e:1a:ff", "hop: malformed" },
		{ "hop", "10.0.0.1/02:00:5e:1a:ff:1", "hop: malformed" },
		{ "hop", "10.0.0.1/2:00:5e:1a:ff:01", "hop: malformed" },
		{ "hop", "10.0.0.1/02:00:5e:1a:ff:011", "hop: malformed" },
		{ "hop", "10.0.0.1/02:00:5e:1a:ff:01:", "hop: malformed" },
		{ "hop", "10.0.0.1/0200:5e:1a:ff:01:", "hop: malformed" },
		{ "hop", "10.0.0.1/02-00-5e-1a-ff-01", "hop: malformed" },
		{ "hop", "10.0.0.1/02:00:5e:1a:ff:0g", "hop: malformed" },
		{ "hop", "10.0.0.1/020:05e:1a:ff:01", "hop: malformed" },
		{ "hop", "10.0.0.1/02:00:5e:1a:ff:01/x", "hop: malformed" },
		{ "hop", "10.0.0.102:00:5e:1a:ff:01", "hop: malformed" },
		{ "hop", "10.0.0.1", "hop: malformed" },
		{ "hop", "10.0.0.1/", "hop: malformed" },
		{ "hop", "/02:00:5e:1a:ff:01", "hop: malformed" },
		{ "hop", "", "hop: malformed" },
		{ "hop", "10.0.0.01/02:00:5e:1a:ff:01", "hop: malformed" },
		{ "hop", "10.0.0.1:80/02:00:5e:1a:ff:01", "hop: malformed" },
		{ "hop", "10.0.0.256/02:00:5e:1a:ff:01", "hop: out of range" },
		/* No hop is said by leaving the key out, never spelt out. */
		{ "hop", "0.0.0.0/02:00:5e:1a:ff:01", "hop: out of range" },
		{ "hop", "0.0.0.0/00:00:00:00:00:00", "hop: out of range" },
		/* Not a station's address: never to be put in an ARP cache. */
		{ "hop", "10.0.0.1/00:00:00:00:00:00", "hop MAC is zero" },
		{ "hop", "10.0.0.1/01:00:5e:00:00:01", "hop MAC is multicast" },
		{ "hop", "10.0.0.1/ff:ff:ff:ff:ff:ff", "hop MAC is multicast" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		edit_line(good_hop, bad[i].key, bad[i].value, 0);
		refused(line, bad[i].why);
	}
	edit_line(good_hop, "hop", NULL, 1);
	refused(line, "hop: repeated");
}

static void
test_encode_refuses_a_hop_that_is_no_station(void **state)
{
	(void)state;
	rec_random(&rec2, 40);
	rec2.hop_ip = 0x0a000001u;
	memcpy(rec2.hop_mac, hop_mac, 6);
	assert_true(synrec_encode(&rec2, enc, sizeof(enc)) > 0);
	rec2.hop_mac[0] |= 1;
	assert_int_equal(synrec_encode(&rec2, enc, sizeof(enc)), -1);
	assert_string_equal(synrec_check(&rec2), "hop MAC is multicast");
	memset(rec2.hop_mac, 0, 6);
	assert_int_equal(synrec_encode(&rec2, enc, sizeof(enc)), -1);
	assert_string_equal(synrec_check(&rec2), "hop MAC is zero");
	/* A MAC without a hop would be lost in encoding: refused too. */
	rec2.hop_ip = 0;
	memcpy(rec2.hop_mac, hop_mac, 6);
	assert_int_equal(synrec_encode(&rec2, enc, sizeof(enc)), -1);
	assert_string_equal(synrec_check(&rec2), "hop MAC without hop");
}

/* Bytes a mutation writes: the format's own and some it must refuse. */
static const char fuzz_bytes[] = " =.:-+/0123456789aAzZ\n\r\t\x7f\x80\xff";

static void
mutate(char *s, size_t *len)
{
	size_t at = *len > 0 ? rnd() % *len : 0, n;
	char c = rnd() % 4 ? fuzz_bytes[rnd() % (sizeof(fuzz_bytes) - 1)] :
			     (char)(rnd() % 255 + 1);

	switch (rnd() % 5) {
	case 0: /* replace */
		if (*len > 0)
			s[at] = c;
		break;
	case 1: /* delete */
		if (*len > 0) {
			memmove(s + at, s + at + 1, *len - at);
			(*len)--;
		}
		break;
	case 2: /* insert */
		if (*len + 2 < sizeof(line)) {
			memmove(s + at + 1, s + at, *len - at + 1);
			s[at] = c;
			(*len)++;
		}
		break;
	case 3: /* repeat a stretch */
		n = rnd() % 64;
		if (*len + n + 1 < sizeof(line) && at + n <= *len) {
			memmove(s + at + n, s + at, *len - at + 1);
			(*len) += n;
		}
		break;
	default: /* truncate */
		*len = at;
		break;
	}
	s[*len] = '\0';
}

/* Whatever decodes must be a valid record whose encoding decodes back. */
static int
fuzz_one(const char *s)
{
	const char *why = NULL;

	if (synrec_decode(s, &rec, &why) != 0) {
		assert_non_null(why);
		return 0;
	}
	assert_null(synrec_check(&rec));
	assert_true(synrec_encode(&rec, enc, sizeof(enc)) > 0);
	if (synrec_decode(enc, &rec2, NULL) != 0)
		fail_msg("re-encoding of \"%.80s\" refused", s);
	rec_equal(&rec, &rec2);
	return 1;
}

static void
test_fuzzed_lines_never_crash_and_what_passes_is_valid(void **state)
{
	size_t len, i;
	int k, m, ok = 0;

	(void)state;
	for (k = 0; k < 20000; k++) {
		rec_random(&rec2,
		    rnd() % 3 ? rnd() % 64 : rnd() % (SYNREC_DATA_MAX + 1));
		len = (size_t)synrec_encode(&rec2, line, sizeof(line));
		for (m = (int)(rnd() % 4); m >= 0; m--)
			mutate(line, &len);
		ok += fuzz_one(line);
	}
	/* Some mutants (a digit of an address, an unknown key) stay valid. */
	if (ok < 100)
		fail_msg("only %d of 20000 mutants decoded", ok);
	/* Pure noise, of every length around the limit. */
	for (k = 0; k < 2000; k++) {
		len = rnd() % (sizeof(line) - 1);
		for (i = 0; i < len; i++)
			line[i] = (char)(rnd() % 255 + 1);
		line[len] = '\0';
		(void)fuzz_one(line);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_line_decodes_to_its_fields),
		cmocka_unit_test(test_encode_writes_the_documented_line),
		cmocka_unit_test(test_round_trip_every_data_length),
		cmocka_unit_test(test_round_trip_fin_and_window_scale_corners),
		cmocka_unit_test(test_largest_record_fits_a_line),
		cmocka_unit_test(
		    test_any_order_unknown_keys_and_a_newline_are_fine),
		cmocka_unit_test(test_every_missing_key_is_named),
		cmocka_unit_test(test_every_repeated_key_is_named),
		cmocka_unit_test(
		    test_every_malformed_or_out_of_range_value_is_named),
		cmocka_unit_test(
		    test_every_number_key_refuses_odd_spellings_and_big_values),
		cmocka_unit_test(
		    test_inconsistent_records_are_refused_by_the_check),
		cmocka_unit_test(test_stray_spaces_and_odd_bytes_are_refused),
		cmocka_unit_test(test_every_truncation_is_refused),
		cmocka_unit_test(test_line_length_limit_is_exact),
		cmocka_unit_test(
		    test_encode_refuses_bad_records_and_short_buffers),
		cmocka_unit_test(test_hop_decodes_and_encodes_before_data),
		cmocka_unit_test(test_record_without_hop_decodes_with_none),
		cmocka_unit_test(test_every_malformed_hop_is_refused),
		cmocka_unit_test(test_encode_refuses_a_hop_that_is_no_station),
		cmocka_unit_test(
		    test_fuzzed_lines_never_crash_and_what_passes_is_valid),
	};

	return cmocka_run_group_tests_name("synrec", tests, NULL, NULL);
}
