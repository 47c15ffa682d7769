/* synrec.c -- the Synjitsu hand-over record: encode, decode, check */
#include "synrec.h"

/*
 * Compiled twice: freestanding into the libOS and hosted into jitsud.  It
 * therefore calls no library function at all, not even memcpy; the few
 * helpers it needs (decimal, dotted quad, hex, base64) are here.
 *
 * Every line decoded comes from another program, in the guest through
 * XenStore: each field is bounded before it is looked at, and only the
 * canonical spelling of a value is accepted (no sign, no leading zero,
 * lower-case hex, no slack bits in base64), so that a record has exactly
 * one encoding and the fuzz tests can compare re-encodings byte for byte.
 */

/* Why a value did not parse. */
#define BAD   1
#define RANGE 2

/* clang-format off */
enum {
	K_V, K_PEER, K_LOCAL, K_IRS, K_ISS, K_RCV_NXT, K_SND_NXT, K_MSS,
	K_PEER_WSCALE, K_WSCALE, K_PEER_WND, K_FIN, K_HOP, K_DATA, K_COUNT
};
/* clang-format on */

/* Keys a record may leave out: added after v=1 was in use (synrec.h). */
#define K_OPTIONAL (1u << K_HOP)

struct key {
	const char *name;
	const char *missing, *malformed, *range, *repeated;
};

/* The messages are static strings: synrec_decode's *why must stay valid. */
/* clang-format off */
#define KEY(k)	{ #k, #k ": missing", #k ": malformed", \
		  #k ": out of range", #k ": repeated" }

static const struct key keys[K_COUNT] = {
	KEY(v), KEY(peer), KEY(local), KEY(irs), KEY(iss), KEY(rcv_nxt),
	KEY(snd_nxt), KEY(mss), KEY(peer_wscale), KEY(wscale),
	KEY(peer_wnd), KEY(fin), KEY(hop), KEY(data),
};
/* clang-format on */

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char hex[] = "0123456789abcdef";

static int
mac_zero(const uint8_t m[6])
{
	int i;

	for (i = 0; i < 6; i++)
		if (m[i] != 0)
			return 0;
	return 1;
}

/*
 * A hop the guest may put in its ARP cache: a station's MAC.  Without a
 * hop the MAC must be zero too, so that a record has one encoding.
 */
static const char *
check_hop(const struct synrec *r)
{
	if (r->hop_ip == 0)
		return mac_zero(r->hop_mac) ? NULL : "hop MAC without hop";
	if (mac_zero(r->hop_mac))
		return "hop MAC is zero";
	if (r->hop_mac[0] & 1)
		return "hop MAC is multicast";
	return NULL;
}

const char *
synrec_check(const struct synrec *r)
{
	if (r->peer_port == 0)
		return "peer port is 0";
	if (r->local_port == 0)
		return "local port is 0";
	if (r->snd_nxt != r->iss + 1)
		return "snd_nxt is not iss + 1";
	if (r->datalen > SYNREC_DATA_MAX)
		return "more data than SYNREC_DATA_MAX";
	if (r->fin != 0 && r->fin != 1)
		return "fin is not 0 or 1";
	/* Sequence space wraps: the sum is meant modulo 2^32. */
	if (r->rcv_nxt != r->irs + 1 + (uint32_t)r->datalen + (uint32_t)r->fin)
		return "rcv_nxt is not irs + 1 + datalen + fin";
	if (r->mss == 0)
		return "mss is 0";
	if (r->peer_wscale < -1 || r->peer_wscale > 14)
		return "peer_wscale is not -1..14";
	if (r->wscale < 0 || r->wscale > 14)
		return "wscale is not 0..14";
	if (r->peer_wscale == -1 && r->wscale != 0)
		return "wscale is not 0 without peer_wscale";
	return check_hop(r);
}

/* ---------------------------------------------------------------------
 * Encoding: an output cursor that counts past the end instead of
 * writing there, so one check at the end catches a short buffer.
 */

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void
out_char(struct out *o, char c)
{
	if (o->len < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void
out_str(struct out *o, const char *s)
{
	while (*s != '\0')
		out_char(o, *s++);
}

static void
out_dec(struct out *o, uint32_t v)
{
	char digits[10];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		out_char(o, digits[--n]);
}

static void
out_num(struct out *o, const char *key, uint32_t v)
{
	out_str(o, key);
	out_dec(o, v);
}

static void
out_quad(struct out *o, const char *key, uint32_t ip)
{
	out_num(o, key, ip >> 24);
	out_char(o, '.');
	out_dec(o, (ip >> 16) & 0xff);
	out_char(o, '.');
	out_dec(o, (ip >> 8) & 0xff);
	out_char(o, '.');
	out_dec(o, ip & 0xff);
}

static void
out_endpoint(struct out *o, const char *key, uint32_t ip, uint16_t port)
{
	out_quad(o, key, ip);
	out_char(o, ':');
	out_dec(o, port);
}

/* A.B.C.D/aa:bb:cc:dd:ee:ff, lower-case hex. */
static void
out_hop(struct out *o, uint32_t ip, const uint8_t mac[6])
{
	int i;

	out_quad(o, " hop=", ip);
	for (i = 0; i < 6; i++) {
		out_char(o, i == 0 ? '/' : ':');
		out_char(o, hex[mac[i] >> 4]);
		out_char(o, hex[mac[i] & 0xf]);
	}
}

/* One base64 group: the first nchars sextets of v (24 bits), then '='. */
static void
out_b64_group(struct out *o, uint32_t v, int nchars)
{
	int i;

	for (i = 0; i < 4; i++)
		out_char(o, i < nchars ? b64[(v >> (18 - 6 * i)) & 0x3f] : '=');
}

static void
out_base64(struct out *o, const uint8_t *d, size_t len)
{
	size_t i;

	for (i = 0; i + 3 <= len; i += 3)
		out_b64_group(o,
		    (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2],
		    4);
	if (len - i == 1)
		out_b64_group(o, (uint32_t)d[i] << 16, 2);
	else if (len - i == 2)
		out_b64_group(o, (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8,
		    3);
}

int
synrec_encode(const struct synrec *r, char *buf, size_t size)
{
	struct out o = { buf, size, 0 };

	if (size > 0)
		buf[0] = '\0';
	if (synrec_check(r) != NULL)
		return -1;
	out_num(&o, "v=", SYNREC_VERSION);
	out_endpoint(&o, " peer=", r->peer_ip, r->peer_port);
	out_endpoint(&o, " local=", r->local_ip, r->local_port);
	out_num(&o, " irs=", r->irs);
	out_num(&o, " iss=", r->iss);
	out_num(&o, " rcv_nxt=", r->rcv_nxt);
	out_num(&o, " snd_nxt=", r->snd_nxt);
	out_num(&o, " mss=", r->mss);
	out_str(&o, " peer_wscale=");
	if (r->peer_wscale < 0)
		out_str(&o, "-1");
	else
		out_dec(&o, (uint32_t)r->peer_wscale);
	out_num(&o, " wscale=", (uint32_t)r->wscale);
	out_num(&o, " peer_wnd=", r->peer_wnd);
	out_num(&o, " fin=", (uint32_t)r->fin);
	if (r->hop_ip != 0)
		out_hop(&o, r->hop_ip, r->hop_mac);
	out_str(&o, " data=");
	out_base64(&o, r->data, r->datalen);
	if (o.len >= size || o.len >= SYNREC_LINE_MAX) {
		if (size > 0)
			buf[0] = '\0';
		return -1;
	}
	buf[o.len] = '\0';
	return (int)o.len;
}

/* ---------------------------------------------------------------------
 * Decoding.  Values are (pointer, length) slices of the line, never
 * NUL-terminated: every helper is bounded by the length it is given.
 */

/* Canonical unsigned decimal, all of s, at most max. */
static int
dec_u32(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || (len > 1 && s[0] == '0'))
		return BAD;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return BAD;
		/* Stops growing past max (no overflow); digits checked on. */
		if (v <= max)
			v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return RANGE;
	*out = (uint32_t)v;
	return 0;
}

static int
dec_u16(const char *s, size_t len, uint16_t *out)
{
	uint32_t v;
	int rc;

	if ((rc = dec_u32(s, len, 0xffff, &v)) == 0)
		*out = (uint16_t)v;
	return rc;
}

/* The first c in s, or len if none. */
static size_t
find(const char *s, size_t len, char c)
{
	size_t i;

	for (i = 0; i < len && s[i] != c; i++)
		;
	return i;
}

/* A.B.C.D, each 0..255. */
static int
dec_quad(const char *s, size_t len, uint32_t *ip)
{
	size_t i, start = 0;
	uint32_t part;
	int n = 0, rc;

	*ip = 0;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (n == 4)
			return BAD;
		if ((rc = dec_u32(s + start, i - start, 255, &part)) != 0)
			return rc;
		*ip = *ip << 8 | part;
		n++;
		start = i + 1;
	}
	return n == 4 ? 0 : BAD;
}

/* A.B.C.D:P */
static int
dec_endpoint(const char *s, size_t len, uint32_t *ip, uint16_t *port)
{
	size_t colon = find(s, len, ':');
	int rc;

	if (colon == len)
		return BAD;
	if ((rc = dec_quad(s, colon, ip)) != 0)
		return rc;
	return dec_u16(s + colon + 1, len - colon - 1, port);
}

/* One lower-case hex digit, or -1: upper case is another spelling. */
static int
hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* aa:bb:cc:dd:ee:ff, exactly: two digits each, ':' between. */
static int
dec_mac(const char *s, size_t len, uint8_t mac[6])
{
	int i, hi, lo;

	if (len != 17)
		return BAD;
	for (i = 0; i < 6; i++) {
		if (i > 0 && s[3 * i - 1] != ':')
			return BAD;
		if ((hi = hex_val(s[3 * i])) < 0 ||
		    (lo = hex_val(s[3 * i + 1])) < 0)
			return BAD;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/*
 * A.B.C.D/MAC.  0.0.0.0 means "no hop", which is said by leaving the key
 * out: spelt out it would be a second encoding of the same record.
 */
static int
dec_hop(const char *s, size_t len, uint32_t *ip, uint8_t mac[6])
{
	size_t slash = find(s, len, '/');
	int rc;

	if (slash == len)
		return BAD;
	if ((rc = dec_quad(s, slash, ip)) != 0)
		return rc;
	if ((rc = dec_mac(s + slash + 1, len - slash - 1, mac)) != 0)
		return rc;
	return *ip == 0 ? RANGE : 0;
}

/* 0..14, or -1 where none_ok says "no option" may be recorded. */
static int
dec_wscale(const char *s, size_t len, int none_ok, int *out)
{
	uint32_t v;
	int rc;

	if (none_ok && len == 2 && s[0] == '-' && s[1] == '1') {
		*out = -1;
		return 0;
	}
	if ((rc = dec_u32(s, len, 14, &v)) == 0)
		*out = (int)v;
	return rc;
}

static int
b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Four characters into out; only the last group may end in "=" or "==".
 * Returns the bytes it holds (1..3) or -1.
 */
static int
b64_group(const char *s, int last, uint8_t out[3])
{
	uint32_t v = 0;
	int i, c, pad = 0;

	if (last && s[3] == '=')
		pad = s[2] == '=' ? 2 : 1;
	for (i = 0; i < 4 - pad; i++) {
		if ((c = b64_val(s[i])) < 0)
			return -1;
		v = v << 6 | (uint32_t)c;
	}
	v <<= 6 * pad;
	/* Bits the padding leaves over must be zero: one spelling per value. */
	if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0))
		return -1;
	out[0] = (uint8_t)(v >> 16);
	out[1] = (uint8_t)(v >> 8);
	out[2] = (uint8_t)v;
	return 3 - pad;
}

static int
dec_base64(const char *s, size_t len, uint8_t *out, size_t *outlen)
{
	uint8_t b[3];
	size_t i, n = 0;
	int k, j;

	if (len % 4 != 0)
		return BAD;
	for (i = 0; i < len; i += 4) {
		if ((k = b64_group(s + i, i + 4 == len, b)) < 0)
			return BAD;
		if (n + (size_t)k > SYNREC_DATA_MAX)
			return RANGE;
		for (j = 0; j < k; j++)
			out[n++] = b[j];
	}
	*outlen = n;
	return 0;
}

/* What a decode in progress has seen. */
struct dec {
	struct synrec *r;
	unsigned int seen; /* 1 << K_* */
	uint32_t version;
};

static int
dec_value(struct dec *d, int k, const char *s, size_t len)
{
	struct synrec *r = d->r;
	uint32_t v = 0;
	int rc;

	switch (k) {
	case K_V:
		return dec_u32(s, len, 0xffffffffu, &d->version);
	case K_PEER:
		return dec_endpoint(s, len, &r->peer_ip, &r->peer_port);
	case K_LOCAL:
		return dec_endpoint(s, len, &r->local_ip, &r->local_port);
	case K_IRS:
		return dec_u32(s, len, 0xffffffffu, &r->irs);
	case K_ISS:
		return dec_u32(s, len, 0xffffffffu, &r->iss);
	case K_RCV_NXT:
		return dec_u32(s, len, 0xffffffffu, &r->rcv_nxt);
	case K_SND_NXT:
		return dec_u32(s, len, 0xffffffffu, &r->snd_nxt);
	case K_MSS:
		return dec_u16(s, len, &r->mss);
	case K_PEER_WSCALE:
		return dec_wscale(s, len, 1, &r->peer_wscale);
	case K_WSCALE:
		return dec_wscale(s, len, 0, &r->wscale);
	case K_PEER_WND:
		return dec_u32(s, len, 0xffffffffu, &r->peer_wnd);
	case K_FIN:
		rc = dec_u32(s, len, 1, &v);
		r->fin = (int)v;
		return rc;
	case K_HOP:
		return dec_hop(s, len, &r->hop_ip, r->hop_mac);
	default:
		return dec_base64(s, len, r->data, &r->datalen);
	}
}

static int
key_find(const char *s, size_t len)
{
	const char *name;
	size_t i;
	int k;

	for (k = 0; k < K_COUNT; k++) {
		name = keys[k].name;
		for (i = 0; i < len && name[i] == s[i]; i++)
			;
		if (i == len && name[i] == '\0')
			return k;
	}
	return -1;
}

/* One space-free field "key=value" of the line. */
static const char *
dec_field(struct dec *d, const char *s, size_t len)
{
	size_t eq = find(s, len, '='), i;
	int k, rc;

	if (len == 0)
		return "stray space";
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return "byte that is not printable ASCII";
	if (eq == 0 || eq == len)
		return "field that is not key=value";
	if ((k = key_find(s, eq)) < 0)
		return NULL; /* a newer jitsud's: ignored */
	if (d->seen & 1u << k)
		return keys[k].repeated;
	d->seen |= 1u << k;
	rc = dec_value(d, k, s + eq + 1, len - eq - 1);
	return rc == 0 ? NULL : rc == RANGE ? keys[k].range : keys[k].malformed;
}

/* The line's length without its newline, or -1 if it is too long. */
static long
line_len(const char *line)
{
	size_t n = 0;

	/* Reads at most one byte past the limit, never to a far-away NUL. */
	while (n <= SYNREC_LINE_MAX && line[n] != '\0')
		n++;
	if (n > SYNREC_LINE_MAX)
		return -1;
	if (n > 0 && line[n - 1] == '\n')
		n--;
	return n < SYNREC_LINE_MAX ? (long)n : -1;
}

static const char *
dec_line(struct dec *d, const char *line, size_t len)
{
	const char *why;
	size_t i, n;
	int k;

	if (len == 0)
		return "empty line";
	for (i = 0;; i += n + 1) {
		n = find(line + i, len - i, ' ');
		if ((why = dec_field(d, line + i, n)) != NULL)
			return why;
		if (i + n == len)
			break;
	}
	for (k = 0; k < K_COUNT; k++)
		if (!((d->seen | K_OPTIONAL) & 1u << k))
			return keys[k].missing;
	if (d->version != SYNREC_VERSION)
		return "v: unsupported version";
	return synrec_check(d->r);
}

int
synrec_decode(const char *line, struct synrec *r, const char **why)
{
	struct dec d = { r, 0, 0 };
	const char *w;
	long len = line_len(line);
	int i;

	/* Optional keys left out keep these values. */
	r->hop_ip = 0;
	for (i = 0; i < 6; i++)
		r->hop_mac[i] = 0;
	w = len < 0 ? "line too long" : dec_line(&d, line, (size_t)len);
	if (why != NULL)
		*why = w;
	return w == NULL ? 0 : -1;
}
