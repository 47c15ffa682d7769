/* conduit.c -- conduit(7)'s names, offers and replies: pure parsers */
#include "libuk.h"
#include "conduit.h"

static int
cd_lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

static int
cd_ldh(int ch)
{
	ch = cd_lower(ch);
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	    ch == '-';
}

/* One label of len bytes at s. */
static int
cd_label_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return 0;
	for (i = 0; i < len; i++)
		if (!cd_ldh((unsigned char)s[i]))
			return 0;
	return 1;
}

/* The len bytes at s as a name, canonical into out. */
static int
cd_name_n(const char *s, size_t len, char out[CONDUIT_NAME_MAX + 1])
{
	size_t i, start = 0;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > CONDUIT_NAME_MAX)
		return -UK_EINVAL;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (!cd_label_ok(s + start, i - start))
			return -UK_EINVAL;
		start = i + 1;
	}
	for (i = 0; i < len; i++)
		out[i] = (char)cd_lower((unsigned char)s[i]);
	out[len] = '\0';
	return 0;
}

int
conduit_name(const char *name, char out[CONDUIT_NAME_MAX + 1])
{
	return cd_name_n(name, strnlen(name, CONDUIT_NAME_MAX + 2), out);
}

/* Decimal digits, no leading zero, at most max: 0 or -UK_EINVAL. */
static int
cd_decimal(const char *s, size_t len, unsigned long max, unsigned long *v)
{
	size_t i;

	if (len == 0 || len > 10 || (s[0] == '0' && len > 1))
		return -UK_EINVAL;
	*v = 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -UK_EINVAL;
		*v = *v * 10 + (unsigned long)(s[i] - '0');
	}
	return *v <= max ? 0 : -UK_EINVAL;
}

int
conduit_domid(const char *s, size_t len, unsigned int *dom)
{
	unsigned long v;

	if (cd_decimal(s, len, CONDUIT_DOMID_MAX, &v) != 0)
		return -UK_EINVAL;
	*dom = (unsigned int)v;
	return 0;
}

int
conduit_chan(const char *s, uint32_t *chan)
{
	unsigned long v;

	if (cd_decimal(s, strnlen(s, 11), UINT32_MAX, &v) != 0 || v == 0)
		return -UK_EINVAL;
	*chan = (uint32_t)v;
	return 0;
}

static int
cd_path_char(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '@' ||
	    ch == '.' || ch == '/';
}

/* An absolute path of len bytes: no empty component, none trailing. */
static int
cd_path_n(const char *s, size_t len, char out[CONDUIT_PATH_MAX])
{
	size_t i;

	if (len < 2 || len >= CONDUIT_PATH_MAX || s[0] != '/' ||
	    s[len - 1] == '/')
		return -UK_EINVAL;
	for (i = 0; i < len; i++)
		if (!cd_path_char((unsigned char)s[i]) ||
		    (s[i] == '/' && i > 0 && s[i - 1] == '/'))
			return -UK_EINVAL;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

/*
 * Splits s at its spaces into at most n fields; returns how many, or
 * -UK_EINVAL for an empty field (two spaces, or one at either end) or
 * more than n.
 */
static int
cd_fields(const char *s, const char *f[], size_t flen[], int n)
{
	const char *sp;
	int i = 0;

	for (;;) {
		if (i == n)
			return -UK_EINVAL;
		f[i] = s;
		sp = strchr(s, ' ');
		flen[i] = sp == NULL ? strlen(s) : (size_t)(sp - s);
		if (flen[i] == 0)
			return -UK_EINVAL;
		i++;
		if (sp == NULL)
			return i;
		s = sp + 1;
	}
}

int
conduit_offer_parse(const char *value, struct conduit_offer *o)
{
	const char *f[3];
	size_t len[3];

	if (cd_fields(value, f, len, 3) != 3 ||
	    conduit_domid(f[0], len[0], &o->client) != 0 ||
	    cd_name_n(f[1], len[1], o->name) != 0 ||
	    cd_path_n(f[2], len[2], o->path) != 0)
		return -UK_EINVAL;
	return 0;
}

static int
cd_is(const char *f, size_t len, const char *word)
{
	return strlen(word) == len && strncmp(f, word, len) == 0;
}

static const struct {
	const char *word;
	int error;
} cd_reasons[] = {
	{ "malformed", -UK_EINVAL },
	{ "unknown", -UK_ENOENT },
	{ "self", -UK_ELOOP },
	{ "limit", -UK_EDQUOT },
	{ "unavailable", -UK_EHOSTUNREACH },
	{ "timeout", -UK_ETIMEDOUT },
	{ "refused", -UK_ECONNREFUSED },
};

int
conduit_reason(const char *word)
{
	size_t i;

	for (i = 0; i < sizeof(cd_reasons) / sizeof(cd_reasons[0]); i++)
		if (strcmp(word, cd_reasons[i].word) == 0)
			return cd_reasons[i].error;
	return -UK_EPROTO;
}

/* A reason is one word of lower-case letters; 0 if f is not one. */
static int
cd_word_ok(const char *f, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (f[i] < 'a' || f[i] > 'z')
			return 0;
	return len > 0 && len < 32;
}

int
conduit_reply_parse(const char *value, struct conduit_reply *r)
{
	const char *f[3];
	size_t len[3];
	char word[32];
	int n = cd_fields(value, f, len, 3);

	if (n == 1 && cd_is(f[0], len[0], "closed")) {
		r->kind = CONDUIT_CLOSED;
		return 0;
	}
	if (n == 2 && cd_is(f[0], len[0], "error") &&
	    cd_word_ok(f[1], len[1])) {
		memcpy(word, f[1], len[1]);
		word[len[1]] = '\0';
		r->kind = CONDUIT_ERROR;
		r->error = conduit_reason(word);
		return 0;
	}
	if (n == 3 && cd_is(f[0], len[0], "ok") &&
	    conduit_domid(f[1], len[1], &r->server) == 0 &&
	    cd_path_n(f[2], len[2], r->path) == 0) {
		r->kind = CONDUIT_OK;
		return 0;
	}
	return -UK_EINVAL;
}

int
conduit_id_ok(const char *s)
{
	size_t i, len = strnlen(s, 17);

	if (len == 0 || len > 16)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
			s[i] == '_'))
			return 0;
	return 1;
}
